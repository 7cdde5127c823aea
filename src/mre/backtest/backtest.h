// The backtest kernel: target weights decided from a regime signal -> held weights after a
// trading delay -> daily net returns after one-way costs -> performance metrics. Pure: Eigen in,
// plain structs out; knows nothing of regimes, stores or specs (workflows/backtest.h wires them).
//
// Timing (rows are trading days, row t's returns are earned over (close t-1, close t]):
//   target(t)  weights decided at the close of t from information up to t (e.g. the online
//              regime label at t);
//   held(t)    = target(t - 1 - delay): with delay 0 the signal of t is traded at the close of t
//              and earns day t+1's return; each day of delay postpones the trade one close;
//   r_p(t)     = sum_i held_i(t) r_i(t) + (1 - sum_i held_i(t)) rf(t) - c * turnover(t),
//   turnover(t) = sum_i |held_i(t) - held_i(t-1)|, c = cost_bp / 1e4 (one-way, per unit traded).
// The weights are restored every day (drift trades are not charged; exact for 0/1 strategies).
// The first evaluated day's position is taken without cost (a buy-and-hold benchmark pays none).
#pragma once

#include <cstddef>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"

namespace mre::backtest {

struct BacktestConfig {
  int delay_days = 1;          // closes between the signal and the trade (>= 0)
  double cost_bp = 0.0;        // one-way cost in basis points of the value traded (>= 0)
  int periods_per_year = 252;  // annualisation of daily figures
};

// The aligned inputs, rows = trading days. Rows before `first` are history that only feeds the
// delay (their returns are never earned).
struct BacktestInput {
  std::vector<Date> dates{};  // strictly increasing
  Matrix asset_returns;       // T x N simple returns over (t-1, t]
  Vector risk_free;           // T simple returns of cash over (t-1, t]
  Matrix target_weights;      // T x N, see the timing above; 1 - row sum is held in cash
  std::size_t first = 0;      // first evaluated row; REQUIRES first >= 1 + delay_days
};

// Daily results over rows first..T-1 (index 0 = row `first`).
struct BacktestPath {
  std::vector<Date> dates{};
  Matrix held_weights;  // days x N
  Vector returns;       // net of costs
  Vector excess;        // returns - rf
  Vector turnover;      // sum_i |change of held weight|
  Vector costs;         // c * turnover
  Vector exposure;      // sum_i held_i (the share of the portfolio in the assets)
  Vector equity;        // prod (1 + r), starting from 1 before the first day
  Vector drawdown;      // equity / running maximum - 1 (the running maximum includes the 1)
};

struct YearReturn {
  int year = 0;
  double value = 0.0;  // prod (1 + r) - 1 over the year's evaluated days
};

// Annualised with P = periods_per_year over n evaluated days:
//   annual_return   = equity_n^(P/n) - 1 (geometric);
//   volatility      = sd(r) sqrt(P) (sample sd, ddof 1);
//   sharpe          = mean(r - rf) / sd(r - rf) sqrt(P);
//   sortino         = mean(r - rf) P / (sqrt(mean(min(r - rf, 0)^2)) sqrt(P)) (target: rf);
//   max_drawdown    = min drawdown (<= 0);  calmar = annual_return / |max_drawdown|;
//   turnover        = mean(turnover) P (one-way, per year);  average_exposure = mean(exposure).
// A ratio whose denominator is 0 is NaN (a strategy that never leaves cash has no Sharpe).
struct Metrics {
  std::size_t days = 0;
  double annual_return = 0.0;
  double volatility = 0.0;
  double sharpe = 0.0;
  double sortino = 0.0;
  double max_drawdown = 0.0;
  double calmar = 0.0;
  double turnover = 0.0;
  double average_exposure = 0.0;
  double total_return = 0.0;
  std::vector<YearReturn> years{};
};

// Runs the timing above. Throws InvalidArgument for delay < 0, cost < 0, mismatched shapes,
// first < 1 + delay or first >= T; DataError naming the date for a non-finite return, rate or
// needed target weight.
BacktestPath run_backtest(const BacktestInput& input, const BacktestConfig& config);

// The metrics of a path (formulas above).
Metrics compute_metrics(const BacktestPath& path, const BacktestConfig& config);

// Target weights from a signal: row t = probabilities(t) * regime_weights, i.e. the weights of
// each regime mixed by its probability (T x K times K x N). A one-hot row (a label) gives that
// regime's weights; a probability row gives the probability-weighted exposure. NaN rows stay NaN.
Matrix weights_from_signal(const Matrix& probabilities, const Matrix& regime_weights);

}  // namespace mre::backtest
