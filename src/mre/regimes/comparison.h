// Regime comparison and analogues: the value types (filled by workflows/compare_regimes, turned
// into JSON by codec/regimes_json) and the statistics over label sequences (comparison.cc):
// occupancy, durations, transitions, agreement, annualised conditional returns. Pure.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"

namespace mre::regimes {

struct AssetStats {
  double annual_mean = 0.0;        // mean next-period log return x periods per year
  double annual_volatility = 0.0;  // its std x sqrt(periods per year)
  std::size_t periods = 0;
};

struct VersionSummary {
  std::string version{};
  std::vector<std::string> labels{};
  std::vector<std::size_t> counts{};     // dates per label (over the common dates)
  std::vector<double> mean_durations{};  // mean run length in periods
  Matrix transitions{};                  // empirical P(label_t = j | label_{t-1} = i)
  // label -> asset -> stats of the return from each date of that label to the next date.
  std::map<std::string, std::map<std::string, AssetStats>> conditional_returns{};
};

struct RegimeComparison {
  std::size_t common_dates = 0;
  Date first{};
  Date last{};
  Matrix confusion{};                 // |labels A| x |labels B| counts
  double agreement_same_label = 0.0;  // share of dates whose label strings are equal
  double agreement_matched = 0.0;     // after the best one-to-one matching of labels (Hungarian)
  std::vector<std::pair<std::string, std::string>> matching{};
  VersionSummary a{};
  VersionSummary b{};
  double periods_per_year = 252.0;
};

struct Analogue {
  Date date{};
  double distance = 0.0;
  std::string regime{};                     // the version's regime that day, if any
  std::map<std::string, double> forward{};  // asset -> return over the next month (simple)
};

// Periods per year from the median spacing of sorted dates: <= 3 days 252, <= 10 days 52,
// <= 40 days 12, else 4; 252 for fewer than two dates.
double periods_per_year(const std::vector<Date>& dates);

// Counts per label, mean run length (periods) and the empirical transition matrix
// P(label_t = j | label_{t-1} = i) of a label sequence (each a member of `labels`); a row
// without transitions stays zero.
VersionSummary summarise_labels(const std::string& version, const std::vector<std::string>& labels,
                                const std::vector<std::string>& sequence);

// The annualised mean and volatility (sample std, n - 1) of per-period log returns.
// REQUIRES: at least two returns.
AssetStats annualised_stats(const std::vector<double>& log_returns, double periods_per_year);

// The confusion matrix of two label sequences on the same dates, the share of equal label
// strings, and the best one-to-one matching of labels (Hungarian, the smaller side as rows)
// with its share of dates, into `out` (confusion, agreement_same_label, agreement_matched,
// matching). REQUIRES: equal non-empty sequences whose labels are members of `a` and `b`.
void compare_labels(const std::vector<std::string>& a, const std::vector<std::string>& b,
                    const std::vector<std::string>& sequence_a,
                    const std::vector<std::string>& sequence_b, RegimeComparison& out);

}  // namespace mre::regimes
