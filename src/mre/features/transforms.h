// Look-ahead-free transforms on evenly spaced series (one value per period, NaN = missing).
// Every output at position t depends on inputs at positions <= t only, except the two marked
// FUTURE: forward_returns (an outcome, never a regime input) and winsorize_full_sample.
// Rolling/expanding statistics are O(n): running sums or Welford updates, recomputed from
// scratch every kRecomputeEvery steps (a schedule fixed by position, so appending data never
// changes an earlier value) to bound floating-point drift.
//
// Conventions shared by all transforms, matching pandas with default arguments:
//  - std is the sample standard deviation (ddof = 1);
//  - a rolling window of N positions yields NaN when any of its N values is NaN
//    (pandas rolling(N) with min_periods = N);
//  - expanding statistics skip NaN and need min_periods present values;
//  - the constant-series rule: where a standard deviation of 0 would divide (zscore,
//    correlation) the result is NaN, never +-inf; a rolling std of a window of identical values
//    is exactly 0 (no volatility is a value, not a missing one).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "mre/core/date.h"

namespace mre::features {

using Values = std::vector<double>;

// Running moments are rebuilt from the window this often: measured drift on a random walk at
// level 5000 stays under 1e-9 relative (tests/features/transforms_test.cc).
inline constexpr std::size_t kRecomputeEvery = 128;

// Clips x_t to [q_p(t), q_{1-p}(t)], the quantiles of the present values x_0..x_t (linear
// interpolation between order statistics, as numpy/pandas 'linear'). Before min_periods present
// values the value passes through unclipped. REQUIRES 0 < p < 0.5. O(n * p * n) moves of doubles
// in the worst case (two sorted buffers of the p * n extreme values), fast at macro sizes.
Values winsorize_expanding(std::span<const double> x, double p, std::size_t min_periods);

// FUTURE: clips to the quantiles of the whole sample. Uses data after t; versioned feature
// sets refuse it unless the spec says allow_future_data: true.
Values winsorize_full_sample(std::span<const double> x, double p);

// (x_t - mean(x_0..x_{t-1})) / std(x_0..x_{t-1}) over the present values strictly before t
// (seed 004's Level; pandas: (x - x.expanding(m).mean().shift(1)) / x.expanding(m).std().shift(1)).
// NaN until min_periods (>= 2) present values precede t; NaN where x_t is NaN.
Values expanding_zscore(std::span<const double> x, std::size_t min_periods);

// OLS slope of x_{t-N+1..t} on 0..N-1 (units of x per period). REQUIRES window >= 2.
Values rolling_slope(std::span<const double> x, std::size_t window);

// Sample std of x_{t-N+1..t}; exactly 0 for N identical values. REQUIRES window >= 2.
Values rolling_std(std::span<const double> x, std::size_t window);
// Mean of x_{t-N+1..t}. REQUIRES window >= 1.
Values rolling_mean(std::span<const double> x, std::size_t window);

// x_t - x_{t-k}. REQUIRES k >= 1.
Values difference(std::span<const double> x, std::size_t k);
// x_t / x_{t-k} - 1 (simple) or ln(x_t / x_{t-k}) (log); NaN when x_{t-k} == 0, or for log when
// either is <= 0. REQUIRES k >= 1.
Values pct_change(std::span<const double> x, std::size_t k, bool log);
// FUTURE: x_{t+h} / x_t - 1 (or log): the return from t to t+h, for outcomes only.
Values forward_returns(std::span<const double> x, std::size_t horizon, bool log);

// a_t - b_t and a_t / b_t (NaN when b_t == 0). REQUIRES equal lengths.
Values spread(std::span<const double> a, std::span<const double> b);
Values ratio(std::span<const double> a, std::span<const double> b);
// c * x_t.
Values scale(std::span<const double> x, double factor);

// Pearson correlation of a and b over the window t-N+1..t; NaN when either std is 0.
// REQUIRES window >= 2, equal lengths.
Values rolling_correlation(std::span<const double> a, std::span<const double> b,
                           std::size_t window);

// Exponentially weighted statistics (pandas ewm(halflife=h, adjust=True, ignore_na=False)):
// alpha = 1 - exp(-ln 2 / h); the mean at t is sum_i w_i x_i / sum_i w_i over the present x_i,
// i <= t, with w_i = (1 - alpha)^(t - i) (a missing value still ages the older ones). NaN until
// min_periods values are present; at a missing x_t the running value is carried. O(n), running
// sums only, so appending data never changes an earlier value. REQUIRES halflife > 0.
Values ewm_mean(std::span<const double> x, double halflife, std::size_t min_periods);
// Downside deviation sqrt(ewm_mean(min(x, 0)^2)) (Shu, Yu and Mulvey 2024, arXiv 2402.05272,
// sec. 3.3: the risk feature of the jump model); `log` returns its natural log, NaN where the
// deviation is 0 (no negative value yet).
Values ewm_downside_deviation(std::span<const double> x, double halflife, std::size_t min_periods,
                              bool log);
// Sortino ratio ewm_mean(x) / ewm_downside_deviation(x) (ibid.), NaN where the deviation is 0.
Values ewm_sortino(std::span<const double> x, double halflife, std::size_t min_periods);

// Year-over-year change in percent on a dated grid: 100 * (x_t / x_s - 1), where s is the last
// position whose date is <= date_t minus 12 months (Date::add_months; a month-end date_t goes
// back to the month end: 2025-02-28 -> 2024-02-29). On a month-end grid this is
// pct_change(12); on a daily grid of a forward-filled monthly release it compares the latest
// published print with the one that was latest a year earlier. NaN when x_s is missing or 0.
Values yoy(std::span<const Date> dates, std::span<const double> x);

}  // namespace mre::features
