// Inference for linear final stages: OLS coefficients with HC0, HC1 or Newey-West (HAC,
// Bartlett kernel) covariance, normal confidence intervals and p-values, Wald tests. Written to
// match statsmodels' OLS(...).fit(cov_type="HC0" | "HC1" | "HAC", maxlags=L) (no small-sample
// correction for HAC, statsmodels' default).
#pragma once

#include <string>

#include "mre/core/linalg.h"

namespace mre::causal {

enum class StandardError { kHc0, kHc1, kHac };
StandardError parse_standard_error(const std::string& name);  // hc0 | hc1 | hac
std::string standard_error_name(StandardError se);

// Newey and West (1994)'s rule of thumb, floor(4 (n / 100)^(2/9)); callers raise it to at
// least h - 1 for outcomes over h overlapping periods.
int newey_west_lag(Eigen::Index n);

struct LinearFit {
  Vector coefficients;
  Matrix covariance;
  Vector residuals;
  int hac_lag = 0;  // used when StandardError::kHac
};

// OLS of y on the columns of X (no intercept added) with the chosen covariance.
LinearFit ols_with_covariance(const Matrix& X, const Vector& y, StandardError se, int hac_lag);

double normal_cdf(double z);
// Two-sided p-value of a z statistic.
double two_sided_p(double z);
// Upper tail of the chi-square distribution with `dof` degrees of freedom.
double chi_square_sf(double x, int dof);
// 0.975 quantile of the standard normal.
inline constexpr double kZ975 = 1.959963984540054;

}  // namespace mre::causal
