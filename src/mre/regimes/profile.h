// Regime-conditional statistics of a labelled history (issue 19, `mre regimes profile`): per
// regime each asset's annualised mean, volatility, Sharpe ratio and worst day, and the empirical
// transition matrix with expected durations. Pure: dates, labels and price series in, numbers out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/core/time_series.h"

namespace mre::regimes {

struct RegimeAssetStats {
  std::string asset{};
  std::string regime{};            // a label, or "ALL" for every attributed day
  std::size_t days = 0;            // daily returns attributed to the regime
  double annual_mean = 0.0;        // mean simple daily return x 252
  double annual_volatility = 0.0;  // its sample sd (n - 1) x sqrt(252); NaN with < 2 days
  double sharpe = 0.0;             // annual_mean / annual_volatility (no risk-free rate deducted)
  double worst_day = 0.0;          // the smallest daily return
  Date worst_date{};               // the day it ended
};

struct RegimeProfile {
  std::vector<std::string> labels{};
  std::vector<std::size_t> periods{};  // dates per label
  Matrix transition_counts{};          // i -> j between consecutive labelled dates
  Matrix transitions{};  // counts / row sum: P(label_t = j | label_{t-1} = i); NaN rows unseen
  std::vector<double>
      expected_durations{};  // 1 / (1 - P_ii) in periods; inf when P_ii = 1, NaN unseen
  std::vector<RegimeAssetStats> assets{};  // per asset: each label that has days, then "ALL"
};

// Each asset's daily simple return r_d = p_d / p_prev - 1 (prev: the asset's previous date with a
// positive price) is attributed to the regime in force at the previous close: the label of the
// latest labelled date <= prev. Days whose prev is before the first or after the last labelled
// date are left out. The labels must be filtered (online) ones, so a regime is one an investor
// could have known at the previous close.
// REQUIRES: dates strictly increasing, one label index per date in [0, labels.size()).
RegimeProfile profile(const std::vector<Date>& dates, const std::vector<int>& label_of_date,
                      const std::vector<std::string>& labels,
                      const std::vector<TimeSeries>& prices);

}  // namespace mre::regimes
