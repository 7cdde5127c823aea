// Effect stability: rolling final-stage estimates and Andrews' sup-Wald (stability.h).
#include "mre/causal/stability.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "mre/core/check.h"

namespace mre::causal {

double break_wald(const Vector& y_residual, const Vector& t_residual, Eigen::Index break_row,
                  StandardError se, int hac_lag) {
  const Eigen::Index n = y_residual.size();
  check_arg(t_residual.size() == n, "t_residual", "needs one row per y_residual row");
  check_arg(break_row >= 2 && break_row <= n - 2, "break_row", "must leave two rows on each side");
  Matrix design(n, 2);
  design.col(0) = t_residual;
  design.col(1) = t_residual;
  design.col(1).head(break_row).setZero();
  const auto fit = ols_with_covariance(design, y_residual, se, hac_lag);
  const double variance = fit.covariance(1, 1);
  if (!(variance > 0))
    throw Error(ErrorCode::kDataError,
                "break test: the treatment residual is zero on one side of the break");
  return fit.coefficients(1) * fit.coefficients(1) / variance;
}

SupWald sup_wald(const Vector& y_residual, const Vector& t_residual, StandardError se,
                 int hac_lag) {
  const Eigen::Index n = y_residual.size();
  if (n < 20)
    throw Error(ErrorCode::kDataError,
                "break test: need at least 20 rows (got " + std::to_string(n) + ")");
  const auto trimmed = static_cast<Eigen::Index>(std::floor(kTrim * static_cast<double>(n)));
  SupWald out;
  out.first_row = std::max<Eigen::Index>(trimmed, 2);
  out.last_row = std::min<Eigen::Index>(n - trimmed, n - 2);
  out.statistic = -1.0;
  // Sums over rows before the break, for the two segments' sums of squared residuals:
  // SSR(r) = sum y^2 - (sum_{<r} t y)^2 / sum_{<r} t^2 - (sum_{>=r} t y)^2 / sum_{>=r} t^2.
  const double total_ty = t_residual.dot(y_residual);
  const double total_tt = t_residual.squaredNorm();
  double before_ty = t_residual.head(out.first_row).dot(y_residual.head(out.first_row));
  double before_tt = t_residual.head(out.first_row).squaredNorm();
  double best_fit = -1.0;
  for (Eigen::Index row = out.first_row; row <= out.last_row; ++row) {
    const double w = break_wald(y_residual, t_residual, row, se, hac_lag);
    if (w > out.statistic) {
      out.statistic = w;
      out.peak_row = row;
    }
    const double after_ty = total_ty - before_ty;
    const double after_tt = total_tt - before_tt;
    const double explained = (before_tt > 0 ? before_ty * before_ty / before_tt : 0.0) +
                             (after_tt > 0 ? after_ty * after_ty / after_tt : 0.0);
    if (explained > best_fit) {
      best_fit = explained;
      out.break_row = row;
    }
    before_ty += t_residual(row) * y_residual(row);
    before_tt += t_residual(row) * t_residual(row);
  }
  out.reject_5 = out.statistic > kSupWald5;
  return out;
}

WindowEstimate window_estimate(const Vector& y_residual, const Vector& t_residual,
                               Eigen::Index begin, Eigen::Index end, StandardError se,
                               int hac_lag) {
  check_arg(begin >= 0 && end <= y_residual.size() && end - begin >= 3, "window",
            "must hold at least 3 rows of the data");
  const Matrix design = t_residual.segment(begin, end - begin);
  const auto fit = ols_with_covariance(design, y_residual.segment(begin, end - begin), se, hac_lag);
  WindowEstimate out;
  out.begin = begin;
  out.end = end;
  out.effect = fit.coefficients(0);
  out.se = std::sqrt(fit.covariance(0, 0));
  out.ci_low = out.effect - kZ975 * out.se;
  out.ci_high = out.effect + kZ975 * out.se;
  return out;
}

StabilityResult effect_stability(const Vector& y_residual, const Vector& t_residual,
                                 const StabilityConfig& config) {
  check_arg(config.window >= 10, "stability window", "must be >= 10 rows");
  check_arg(config.recent >= 10, "stability recent", "must be >= 10 rows");
  check_arg(config.step >= 1, "stability step", "must be >= 1");
  check_arg(config.hac_lag >= 0, "stability hac_lag", "must be >= 0");
  const Eigen::Index n = y_residual.size();
  check_arg(t_residual.size() == n, "t_residual", "needs one row per y_residual row");
  const Eigen::Index needed = std::max<Eigen::Index>({config.window, config.recent, 20});
  if (n < needed) {
    throw Error(ErrorCode::kDataError, "effect stability: " + std::to_string(n) +
                                           " rows, fewer than the window (" +
                                           std::to_string(needed) + ")");
  }
  StabilityResult out;
  out.hac_lag = config.hac_lag > 0 ? config.hac_lag : newey_west_lag(n);
  out.full = window_estimate(y_residual, t_residual, 0, n, config.se, out.hac_lag);
  for (Eigen::Index end = n; end - config.window >= 0; end -= config.step) {
    out.rolling.push_back(
        window_estimate(y_residual, t_residual, end - config.window, end, config.se, out.hac_lag));
  }
  std::reverse(out.rolling.begin(), out.rolling.end());
  out.recent =
      window_estimate(y_residual, t_residual, n - config.recent, n, config.se, out.hac_lag);
  out.recent_excludes_full =
      out.full.effect < out.recent.ci_low || out.full.effect > out.recent.ci_high;
  out.break_test = sup_wald(y_residual, t_residual, config.se, out.hac_lag);
  return out;
}

}  // namespace mre::causal
