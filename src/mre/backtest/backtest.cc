// The backtest kernel (backtest.h): timing, costs and metrics.
#include "mre/backtest/backtest.h"

#include <cmath>
#include <limits>
#include <string>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::backtest {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void require_finite(double value, const char* what, Date date) {
  if (!std::isfinite(value)) {
    throw Error(ErrorCode::kDataError,
                std::string("backtest: ") + what + " on " + date.iso() + " is not finite");
  }
}

double sample_sd(const Vector& x) {
  const auto n = x.size();
  if (n < 2) return kNaN;
  const double mean = x.mean();
  return std::sqrt((x.array() - mean).square().sum() / static_cast<double>(n - 1));
}

double ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : kNaN;
}

}  // namespace

BacktestPath run_backtest(const BacktestInput& input, const BacktestConfig& config) {
  check_arg(config.delay_days >= 0, "delay_days",
            "must be >= 0 (got " + std::to_string(config.delay_days) + ")");
  check_arg(config.cost_bp >= 0 && std::isfinite(config.cost_bp), "cost_bp",
            "must be a finite number >= 0 (got " + std::to_string(config.cost_bp) + ")");
  check_arg(config.periods_per_year > 0, "periods_per_year", "must be > 0");
  const auto rows = static_cast<Eigen::Index>(input.dates.size());
  const auto assets = input.asset_returns.cols();
  check_arg(input.asset_returns.rows() == rows && input.risk_free.size() == rows &&
                input.target_weights.rows() == rows && input.target_weights.cols() == assets,
            "input", "needs one row per date in every matrix and one weight per asset");
  check_arg(assets >= 1, "asset_returns", "needs at least one asset");
  const auto lag = static_cast<Eigen::Index>(config.delay_days) + 1;
  const auto first = static_cast<Eigen::Index>(input.first);
  check_arg(first >= lag, "first",
            "must leave 1 + delay_days rows of signal history (got first = " +
                std::to_string(input.first) + ", delay " + std::to_string(config.delay_days) + ")");
  check_arg(first < rows, "first", "must be a row of the input");
  for (Eigen::Index t = 1; t < rows; ++t) {
    check_arg(input.dates[t - 1] < input.dates[t], "dates", "must be strictly increasing");
  }

  const double cost = config.cost_bp / 1e4;
  const auto days = rows - first;
  BacktestPath path;
  path.dates.assign(input.dates.begin() + first, input.dates.end());
  path.held_weights.resize(days, assets);
  path.returns.resize(days);
  path.excess.resize(days);
  path.turnover.resize(days);
  path.costs.resize(days);
  path.exposure.resize(days);
  path.equity.resize(days);
  path.drawdown.resize(days);

  double equity = 1.0;
  double peak = 1.0;
  for (Eigen::Index day = 0; day < days; ++day) {
    const Eigen::Index t = first + day;
    const Date date = input.dates[t];
    for (Eigen::Index i = 0; i < assets; ++i) {
      const double w = input.target_weights(t - lag, i);
      if (!std::isfinite(w)) {
        throw Error(ErrorCode::kDataError, "backtest: no signal on " + input.dates[t - lag].iso() +
                                               " for the position held on " + date.iso());
      }
      path.held_weights(day, i) = w;
    }
    const double rf = input.risk_free(t);
    require_finite(rf, "the risk-free return", date);
    double gross = 0.0;
    double exposure = 0.0;
    for (Eigen::Index i = 0; i < assets; ++i) {
      const double w = path.held_weights(day, i);
      if (w != 0.0) {
        require_finite(input.asset_returns(t, i), "an asset return", date);
        gross += w * input.asset_returns(t, i);
      }
      exposure += w;
    }
    const double traded =
        day == 0 ? 0.0
                 : (path.held_weights.row(day) - path.held_weights.row(day - 1)).cwiseAbs().sum();
    const double r = gross + (1.0 - exposure) * rf - cost * traded;
    path.returns(day) = r;
    path.excess(day) = r - rf;
    path.turnover(day) = traded;
    path.costs(day) = cost * traded;
    path.exposure(day) = exposure;
    equity *= 1.0 + r;
    peak = std::max(peak, equity);
    path.equity(day) = equity;
    path.drawdown(day) = equity / peak - 1.0;
  }
  return path;
}

Metrics compute_metrics(const BacktestPath& path, const BacktestConfig& config) {
  const auto n = path.returns.size();
  check_arg(n >= 1, "path", "needs at least one day");
  const double periods = config.periods_per_year;
  Metrics m;
  m.days = static_cast<std::size_t>(n);
  m.total_return = path.equity(n - 1) - 1.0;
  m.annual_return = std::pow(path.equity(n - 1), periods / static_cast<double>(n)) - 1.0;
  m.volatility = sample_sd(path.returns) * std::sqrt(periods);
  const double mean_excess = path.excess.mean();
  m.sharpe = ratio(mean_excess, sample_sd(path.excess)) * std::sqrt(periods);
  const double downside = std::sqrt(path.excess.cwiseMin(0.0).array().square().mean());
  m.sortino = ratio(mean_excess, downside) * std::sqrt(periods);
  m.max_drawdown = std::min(0.0, path.drawdown.minCoeff());
  m.calmar = ratio(m.annual_return, -m.max_drawdown);
  m.turnover = path.turnover.mean() * periods;
  m.average_exposure = path.exposure.mean();
  for (Eigen::Index day = 0; day < n; ++day) {
    const int year = path.dates[day].year();
    if (m.years.empty() || m.years.back().year != year) m.years.push_back({year, 1.0});
    m.years.back().value *= 1.0 + path.returns(day);
  }
  for (auto& y : m.years) y.value -= 1.0;
  return m;
}

Matrix weights_from_signal(const Matrix& probabilities, const Matrix& regime_weights) {
  check_arg(probabilities.cols() == regime_weights.rows(), "regime_weights",
            "needs one row per regime of the signal");
  return probabilities * regime_weights;
}

}  // namespace mre::backtest
