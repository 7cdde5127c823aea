// Stability of an estimated effect over time (issue 27): the DML final stage (residual-on-
// residual regression, dml.h) re-run on rolling windows of the cross-fitted residuals, a
// structural-break test on its coefficient, and a flag when the recent window's interval
// excludes the full-sample estimate. Reuses the estimator's own residuals and final stage: no
// nuisance is refitted, so it costs a few regressions per effect.
#pragma once

#include <cstddef>
#include <vector>

#include "mre/causal/inference.h"
#include "mre/core/linalg.h"

namespace mre::causal {

// Andrews (1993, Econometrica 61(4), Table 1), as corrected in Andrews (2003, Econometrica
// 71(1)), for one parameter tested for a break (p = 1) with 15% trimming (pi_0 = 0.15): the
// sup-Wald statistic's asymptotic critical values at 10%, 5% and 1% (the same values as the QLR
// table of Stock & Watson's "Introduction to Econometrics", q = 1 restriction).
inline constexpr double kTrim = 0.15;
inline constexpr double kSupWald10 = 7.12;
inline constexpr double kSupWald5 = 8.68;
inline constexpr double kSupWald1 = 12.16;

// Wald statistic for a break in theta at row `break_row`: y = theta t + delta t D + e with
// D = 1{row >= break_row}, W = delta^2 / Var(delta) with Var from ols_with_covariance (HC0,
// HC1 or Newey-West HAC with `hac_lag`, as statsmodels' OLS(...).fit(cov_type=...)); at a known
// date this is Chow's (1960) test in its Wald form. REQUIRES 2 <= break_row <= n - 2.
double break_wald(const Vector& y_residual, const Vector& t_residual, Eigen::Index break_row,
                  StandardError se, int hac_lag);

// Andrews' (1993) sup-Wald: the largest break_wald over break rows in
// [floor(kTrim n), n - floor(kTrim n)], compared with the critical values above (valid for any
// of the covariance choices: Andrews 1993, section 4). REQUIRES n >= 20.
// The break date is estimated separately, as the row minimising the sum of squared residuals of
// the two-segment regression (Bai 1997, "Estimation of a change point in multiple regression
// models"): a robust Wald's peak is a poor date estimator (its variance changes along the search).
struct SupWald {
  double statistic = 0.0;
  Eigen::Index peak_row = 0;   // the row where the statistic peaks
  Eigen::Index break_row = 0;  // the least-squares break date
  Eigen::Index first_row = 0;  // the range searched
  Eigen::Index last_row = 0;
  bool reject_5 = false;  // statistic > kSupWald5
};
SupWald sup_wald(const Vector& y_residual, const Vector& t_residual, StandardError se, int hac_lag);

// theta on rows [begin, end) of the residuals, by the DML final stage (estimate, se, 95% CI).
struct WindowEstimate {
  Eigen::Index begin = 0;
  Eigen::Index end = 0;
  double effect = 0.0;
  double se = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
};
WindowEstimate window_estimate(const Vector& y_residual, const Vector& t_residual,
                               Eigen::Index begin, Eigen::Index end, StandardError se, int hac_lag);

struct StabilityConfig {
  int window = 120;  // rows per rolling window (months on the effects grid: ten years)
  int step = 12;     // rows between rolling windows' ends
  int recent = 60;   // the recent window: the last rows (five years of months)
  StandardError se = StandardError::kHac;
  int hac_lag = 0;  // the full-sample estimate's own (DmlResult::hac_lag); 0: newey_west_lag
};

// The whole analysis for one effect from its cross-fitted residuals: the full-sample theta, the
// rolling windows (ending at the last row and every `step` rows before it, while a full window
// fits), the recent window and whether its 95% interval excludes the full-sample theta, and the
// sup-Wald break test. REQUIRES n >= max(window, recent, 20), window and recent >= 10, step >= 1
// (InvalidArgument naming the setting; DataError when the residuals are too short).
struct StabilityResult {
  WindowEstimate full{};
  std::vector<WindowEstimate> rolling{};  // oldest first
  WindowEstimate recent{};
  bool recent_excludes_full = false;
  SupWald break_test{};
  int hac_lag = 0;
};
StabilityResult effect_stability(const Vector& y_residual, const Vector& t_residual,
                                 const StabilityConfig& config);

}  // namespace mre::causal
