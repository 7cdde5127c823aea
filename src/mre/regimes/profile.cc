// Regime-conditional asset statistics and the empirical transition matrix.
#include "mre/regimes/profile.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mre/core/check.h"

namespace mre::regimes {
namespace {

constexpr double kDaysPerYear = 252.0;

RegimeAssetStats summarise(const std::string& asset, const std::string& regime,
                           const std::vector<double>& r, const std::vector<Date>& ends) {
  RegimeAssetStats s{.asset = asset, .regime = regime, .days = r.size()};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (const double v : r) sum += v;
  const double mean = sum / static_cast<double>(r.size());
  double ss = 0;
  for (const double v : r) ss += (v - mean) * (v - mean);
  const double sd = r.size() > 1 ? std::sqrt(ss / static_cast<double>(r.size() - 1)) : nan;
  s.annual_mean = mean * kDaysPerYear;
  s.annual_volatility = sd * std::sqrt(kDaysPerYear);
  s.sharpe = s.annual_volatility > 0 ? s.annual_mean / s.annual_volatility : nan;
  const auto worst = std::min_element(r.begin(), r.end()) - r.begin();
  s.worst_day = r[static_cast<std::size_t>(worst)];
  s.worst_date = ends[static_cast<std::size_t>(worst)];
  return s;
}

}  // namespace

RegimeProfile profile(const std::vector<Date>& dates, const std::vector<int>& label_of_date,
                      const std::vector<std::string>& labels,
                      const std::vector<TimeSeries>& prices) {
  check_arg(dates.size() == label_of_date.size(), "label_of_date", "must have one label per date");
  check_arg(!dates.empty(), "dates", "must not be empty");
  for (std::size_t i = 1; i < dates.size(); ++i)
    check_arg(dates[i - 1] < dates[i], "dates", "must be strictly increasing");
  const auto L = static_cast<Eigen::Index>(labels.size());
  for (const int k : label_of_date)
    check_arg(k >= 0 && k < L, "label_of_date", "must index the labels");
  RegimeProfile out;
  out.labels = labels;
  out.periods.assign(labels.size(), 0);
  out.transition_counts = Matrix::Zero(L, L);
  for (std::size_t i = 0; i < dates.size(); ++i) {
    ++out.periods[static_cast<std::size_t>(label_of_date[i])];
    if (i > 0) out.transition_counts(label_of_date[i - 1], label_of_date[i]) += 1;
  }
  out.transitions = out.transition_counts;
  for (Eigen::Index k = 0; k < L; ++k) {
    const double total = out.transition_counts.row(k).sum();
    if (total > 0) {
      out.transitions.row(k) /= total;
    } else {
      out.transitions.row(k).setConstant(std::numeric_limits<double>::quiet_NaN());
    }
    const double stay = out.transitions(k, k);
    out.expected_durations.push_back(std::isnan(stay) ? stay
                                     : stay >= 1.0    ? std::numeric_limits<double>::infinity()
                                                      : 1.0 / (1.0 - stay));
  }
  for (const auto& series : prices) {
    std::vector<std::vector<double>> by_label(labels.size());
    std::vector<std::vector<Date>> ends(labels.size());
    std::vector<double> all;
    std::vector<Date> all_ends;
    const auto& d = series.dates();
    const auto& p = series.values();
    std::size_t prev = d.size();  // index of the previous usable price
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (!(std::isfinite(p[i]) && p[i] > 0)) continue;
      if (prev < d.size() && d[prev] >= dates.front() && d[prev] <= dates.back()) {
        // The label of the latest labelled date <= the previous close.
        const auto at = std::upper_bound(dates.begin(), dates.end(), d[prev]) - dates.begin() - 1;
        const int k = label_of_date[static_cast<std::size_t>(at)];
        const double r = p[i] / p[prev] - 1.0;
        by_label[static_cast<std::size_t>(k)].push_back(r);
        ends[static_cast<std::size_t>(k)].push_back(d[i]);
        all.push_back(r);
        all_ends.push_back(d[i]);
      }
      prev = i;
    }
    for (std::size_t k = 0; k < labels.size(); ++k) {
      if (!by_label[k].empty())
        out.assets.push_back(summarise(series.name(), labels[k], by_label[k], ends[k]));
    }
    if (!all.empty()) out.assets.push_back(summarise(series.name(), "ALL", all, all_ends));
  }
  return out;
}

}  // namespace mre::regimes
