// Regime comparison and analogues from stored versions, features and raw prices.
#include "mre/workflows/compare_regimes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mre/core/error.h"
#include "mre/core/resample.h"
#include "mre/regimes/mapping/hungarian.h"
#include "mre/regimes/pca/pca.h"

namespace mre::workflows {
namespace {

std::size_t index_of(const std::vector<std::string>& labels, const std::string& label) {
  const auto it = std::find(labels.begin(), labels.end(), label);
  return static_cast<std::size_t>(it - labels.begin());
}

VersionSummary summarise(const store::RegimeModel& model, const std::vector<store::RegimeRow>& rows,
                         const std::vector<Date>& dates, const store::Store& store, double periods_per_year) {
  VersionSummary s;
  s.version = model.version;
  s.labels = model.labels;
  const std::size_t L = s.labels.size();
  s.counts.assign(L, 0);
  std::vector<std::size_t> runs(L, 0);
  s.transitions = Matrix::Zero(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(L));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t k = index_of(s.labels, rows[i].regime);
    ++s.counts[k];
    if (i == 0 || rows[i - 1].regime != rows[i].regime) ++runs[k];
    if (i > 0) s.transitions(static_cast<Eigen::Index>(index_of(s.labels, rows[i - 1].regime)), static_cast<Eigen::Index>(k)) += 1;
  }
  for (std::size_t k = 0; k < L; ++k) {
    s.mean_durations.push_back(runs[k] ? static_cast<double>(s.counts[k]) / static_cast<double>(runs[k]) : 0.0);
    const double total = s.transitions.row(static_cast<Eigen::Index>(k)).sum();
    if (total > 0) s.transitions.row(static_cast<Eigen::Index>(k)) /= total;
  }
  // Next-period log returns of each asset, by the label at the start of the period.
  for (const auto& [ticker, name] : comparison_assets()) {
    const auto prices = store.read_raw({.ticker = ticker});
    if (!prices || prices->empty()) continue;
    const auto aligned = align_asof_values(*prices, dates, 0, 10);
    std::map<std::string, std::vector<double>> by_label;
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
      const double now = aligned[i], next = aligned[i + 1];
      if (std::isnan(now) || std::isnan(next) || now <= 0 || next <= 0) continue;
      by_label[rows[i].regime].push_back(std::log(next / now));
    }
    for (const auto& [label, r] : by_label) {
      if (r.size() < 2) continue;
      const double mean = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size());
      double ss = 0;
      for (double v : r) ss += (v - mean) * (v - mean);
      const double sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
      s.conditional_returns[label][name] = {mean * periods_per_year, sd * std::sqrt(periods_per_year), r.size()};
    }
  }
  return s;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& comparison_assets() {
  static const std::vector<std::pair<std::string, std::string>> assets = {
      {"^GSPC", "SPX"}, {"TLT", "TLT"}, {"GLD", "GLD"}, {"DX-Y.NYB", "DXY"}};
  return assets;
}

RegimeComparison compare_regimes(const store::Store& store, const std::string& a, const std::string& b) {
  const auto model_a = store.find_regime_model(a);
  const auto model_b = store.find_regime_model(b);
  if (!model_a) throw Error(ErrorCode::kNotFound, "no regime version '" + a + "' (see 'mre regimes list')");
  if (!model_b) throw Error(ErrorCode::kNotFound, "no regime version '" + b + "' (see 'mre regimes list')");
  const auto rows_a = store.read_regimes(a, std::nullopt, std::nullopt);
  const auto rows_b = store.read_regimes(b, std::nullopt, std::nullopt);
  // Common dates.
  std::vector<store::RegimeRow> common_a, common_b;
  std::size_t j = 0;
  for (const auto& row : rows_a) {
    while (j < rows_b.size() && rows_b[j].date < row.date) ++j;
    if (j < rows_b.size() && rows_b[j].date == row.date) {
      common_a.push_back(row);
      common_b.push_back(rows_b[j]);
    }
  }
  if (common_a.empty()) throw Error(ErrorCode::kDataError, "regime versions '" + a + "' and '" + b + "' share no date");
  RegimeComparison out;
  out.common_dates = common_a.size();
  out.first = common_a.front().date;
  out.last = common_a.back().date;
  std::vector<Date> dates;
  for (const auto& r : common_a) dates.push_back(r.date);
  // Periods per year from the median spacing of the dates.
  std::vector<int> gaps;
  for (std::size_t i = 1; i < dates.size(); ++i) gaps.push_back(dates[i] - dates[i - 1]);
  if (!gaps.empty()) {
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
    const int median = gaps[gaps.size() / 2];
    out.periods_per_year = median <= 3 ? 252.0 : median <= 10 ? 52.0 : median <= 40 ? 12.0 : 4.0;
  }
  const auto& la = model_a->labels;
  const auto& lb = model_b->labels;
  out.confusion = Matrix::Zero(static_cast<Eigen::Index>(la.size()), static_cast<Eigen::Index>(lb.size()));
  std::size_t same = 0;
  for (std::size_t i = 0; i < common_a.size(); ++i) {
    out.confusion(static_cast<Eigen::Index>(index_of(la, common_a[i].regime)),
                  static_cast<Eigen::Index>(index_of(lb, common_b[i].regime))) += 1;
    same += common_a[i].regime == common_b[i].regime;
  }
  out.agreement_same_label = static_cast<double>(same) / static_cast<double>(out.common_dates);
  // Best matching: maximise matched dates = minimise -confusion (the smaller side as rows).
  const bool a_rows = la.size() <= lb.size();
  const Matrix cost = a_rows ? Matrix(-out.confusion) : Matrix(-out.confusion.transpose());
  const auto assignment = regimes::mapping::hungarian(cost);
  out.agreement_matched = -assignment.cost / static_cast<double>(out.common_dates);
  for (std::size_t r = 0; r < assignment.column_of_row.size(); ++r) {
    const auto c = static_cast<std::size_t>(assignment.column_of_row[r]);
    out.matching.emplace_back(a_rows ? la[r] : la[c], a_rows ? lb[c] : lb[r]);
  }
  out.a = summarise(*model_a, common_a, dates, store, out.periods_per_year);
  out.b = summarise(*model_b, common_b, dates, store, out.periods_per_year);
  return out;
}

std::vector<Analogue> find_analogues(const store::Store& store, const std::string& version, Date date, int k) {
  if (k < 1) throw Error(ErrorCode::kInvalidArgument, "--k must be >= 1");
  const auto model = store.find_regime_model(version);
  if (!model) throw Error(ErrorCode::kNotFound, "no regime version '" + version + "' (see 'mre regimes list')");
  const Panel panel = store.read_features(model->feature_version, std::nullopt, date);
  // Complete rows up to `date`.
  std::vector<std::size_t> rows;
  for (std::size_t t = 0; t < panel.rows(); ++t) {
    bool complete = true;
    for (const auto& c : model->columns) complete &= !std::isnan(panel.column(c)[t]);
    if (complete) rows.push_back(t);
  }
  if (rows.size() < 10) throw Error(ErrorCode::kDataError, "fewer than 10 complete feature rows up to " + date.iso());
  const std::size_t target = rows.back();  // the last complete row on or before `date`
  Matrix x(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(model->columns.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t c = 0; c < model->columns.size(); ++c) {
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = panel.column(model->columns[c])[rows[i]];
    }
  }
  const int components = std::min<int>(3, static_cast<int>(model->columns.size()));
  const auto pca = regimes::pca::fit(x, {.n_components = components});
  const Matrix scores = regimes::pca::transform(pca, x);
  const Eigen::RowVectorXd here = scores.row(scores.rows() - 1);
  const Date reference = panel.dates()[target];
  std::vector<std::pair<double, std::size_t>> candidates;
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    if (reference - panel.dates()[rows[i]] < 31) continue;  // its next month must be known by now
    candidates.emplace_back((scores.row(static_cast<Eigen::Index>(i)) - here).norm(), i);
  }
  std::sort(candidates.begin(), candidates.end());
  if (candidates.size() > static_cast<std::size_t>(k)) candidates.resize(static_cast<std::size_t>(k));
  const auto regimes = store.read_regimes(version, std::nullopt, date);
  std::vector<Analogue> out;
  for (const auto& [distance, i] : candidates) {
    Analogue a;
    a.date = panel.dates()[rows[i]];
    a.distance = distance;
    const auto it = std::lower_bound(regimes.begin(), regimes.end(), a.date,
                                     [](const store::RegimeRow& r, Date d) { return r.date < d; });
    if (it != regimes.end() && it->date == a.date) a.regime = it->regime;
    for (const auto& [ticker, name] : comparison_assets()) {
      const auto prices = store.read_raw({.ticker = ticker, .to = reference});
      if (!prices || prices->empty()) continue;
      const std::vector<Date> points{a.date, a.date.add_months(1)};
      const auto p = align_asof_values(*prices, points, 0, 10);
      if (!std::isnan(p[0]) && !std::isnan(p[1]) && p[0] > 0) a.forward[name] = p[1] / p[0] - 1.0;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace mre::workflows
