// See comparison.h.
#include "mre/regimes/comparison.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mre/regimes/mapping/hungarian.h"

namespace mre::regimes {
namespace {

std::size_t index_of(const std::vector<std::string>& labels, const std::string& label) {
  const auto it = std::find(labels.begin(), labels.end(), label);
  return static_cast<std::size_t>(it - labels.begin());
}

}  // namespace

double periods_per_year(const std::vector<Date>& dates) {
  std::vector<int> gaps;
  for (std::size_t i = 1; i < dates.size(); ++i) gaps.push_back(dates[i] - dates[i - 1]);
  if (gaps.empty()) return 252.0;
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2),
                   gaps.end());
  const int median = gaps[gaps.size() / 2];
  return median <= 3 ? 252.0 : median <= 10 ? 52.0 : median <= 40 ? 12.0 : 4.0;
}

VersionSummary summarise_labels(const std::string& version, const std::vector<std::string>& labels,
                                const std::vector<std::string>& sequence) {
  VersionSummary s;
  s.version = version;
  s.labels = labels;
  const std::size_t L = s.labels.size();
  s.counts.assign(L, 0);
  std::vector<std::size_t> runs(L, 0);
  s.transitions = Matrix::Zero(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(L));
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const std::size_t k = index_of(s.labels, sequence[i]);
    ++s.counts[k];
    if (i == 0 || sequence[i - 1] != sequence[i]) ++runs[k];
    if (i > 0)
      s.transitions(static_cast<Eigen::Index>(index_of(s.labels, sequence[i - 1])),
                    static_cast<Eigen::Index>(k)) += 1;
  }
  for (std::size_t k = 0; k < L; ++k) {
    s.mean_durations.push_back(
        runs[k] ? static_cast<double>(s.counts[k]) / static_cast<double>(runs[k]) : 0.0);
    const double total = s.transitions.row(static_cast<Eigen::Index>(k)).sum();
    if (total > 0) s.transitions.row(static_cast<Eigen::Index>(k)) /= total;
  }
  return s;
}

AssetStats annualised_stats(const std::vector<double>& r, double periods_per_year) {
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size());
  double ss = 0;
  for (double v : r) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
  return {mean * periods_per_year, sd * std::sqrt(periods_per_year), r.size()};
}

void compare_labels(const std::vector<std::string>& la, const std::vector<std::string>& lb,
                    const std::vector<std::string>& sequence_a,
                    const std::vector<std::string>& sequence_b, RegimeComparison& out) {
  const std::size_t n = sequence_a.size();
  out.confusion =
      Matrix::Zero(static_cast<Eigen::Index>(la.size()), static_cast<Eigen::Index>(lb.size()));
  std::size_t same = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out.confusion(static_cast<Eigen::Index>(index_of(la, sequence_a[i])),
                  static_cast<Eigen::Index>(index_of(lb, sequence_b[i]))) += 1;
    same += sequence_a[i] == sequence_b[i];
  }
  out.agreement_same_label = static_cast<double>(same) / static_cast<double>(n);
  // Best matching: maximise matched dates = minimise -confusion (the smaller side as rows).
  const bool a_rows = la.size() <= lb.size();
  const Matrix cost = a_rows ? Matrix(-out.confusion) : Matrix(-out.confusion.transpose());
  const auto assignment = mapping::hungarian(cost);
  out.agreement_matched = -assignment.cost / static_cast<double>(n);
  out.matching.clear();
  for (std::size_t r = 0; r < assignment.column_of_row.size(); ++r) {
    const auto c = static_cast<std::size_t>(assignment.column_of_row[r]);
    out.matching.emplace_back(a_rows ? la[r] : la[c], a_rows ? lb[c] : lb[r]);
  }
}

}  // namespace mre::regimes
