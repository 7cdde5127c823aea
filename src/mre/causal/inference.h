// Inference for linear final stages: OLS coefficients with HC0, HC1, Newey-West (HAC, Bartlett
// kernel) or equal-weighted cosine (EWC) covariance, confidence intervals and p-values, Wald
// tests. HC0/HC1/HAC are written to match statsmodels' OLS(...).fit(cov_type="HC0" | "HC1" |
// "HAC", maxlags=L) (no small-sample correction for HAC, statsmodels' default) with a normal
// reference. EWC (Lazarus, Lewis, Stock & Watson 2018, "HAR Inference: Recommendations for
// Practice", JBES 36(4)) projects the scores on the first nu type-II cosines,
// Lambda_j = sqrt(2/n) sum_t cos(pi j (t - 1/2) / n) z_t, Omega = sum_j Lambda_j Lambda_j' / nu,
// and its fixed-b reference is exact: t statistics against Student's t(nu), a Wald statistic of p
// restrictions as W / p (nu - p + 1) / nu against F(p, nu - p + 1). EWC-HC3 computes the same
// on leverage-adjusted scores x_t e_t / (1 - h_t), h_t = x_t' (X'X)^-1 x_t (the HC3 residuals of
// MacKinnon & White 1985): a month whose treatment is an outlier pulls the fit through itself, its
// residual shrinks, and the plain sandwich under-states the variance; HC3 undoes that shrinkage.
#pragma once

#include <string>

#include "mre/core/linalg.h"

namespace mre::causal {

// The interval [lo, hi] of a coefficient, scaled to a change of `m` units of the treatment: a
// negative m reverses it, so the bounds are swapped back into order.
struct Interval {
  double low = 0.0;
  double high = 0.0;
};
inline Interval scaled_interval(double lo, double hi, double m) {
  return m < 0 ? Interval{hi * m, lo * m} : Interval{lo * m, hi * m};
}

enum class StandardError { kHc0, kHc1, kHac, kEwc, kEwcHc3 };
// hc0 | hc1 | hac | ewc | ewc_hc3
StandardError parse_standard_error(const std::string& name);
// EWC or EWC-HC3: the estimators with a Student t / F reference.
bool is_ewc(StandardError se);
std::string standard_error_name(StandardError se);

// Newey and West (1994)'s rule of thumb, floor(4 (n / 100)^(2/9)); callers raise it to at
// least h - 1 for outcomes over h overlapping periods.
int newey_west_lag(Eigen::Index n);

// The EWC's number of cosine terms: LLSW's rule nu = floor(0.4 n^(2/3)), lowered so that the
// estimator's effective bandwidth n / nu is at least `min_bandwidth` (h + 1 for outcomes over h
// overlapping periods, as the Newey-West lag), and at least 1. REQUIRES n >= 1.
int ewc_degrees_of_freedom(Eigen::Index n, int min_bandwidth);

struct LinearFit {
  Vector coefficients;
  Matrix covariance;
  Vector residuals;
  int hac_lag = 0;  // kHac: the Bartlett lag; EWC: the minimum bandwidth asked for
  int dof = 0;      // EWC: nu, the t reference's degrees of freedom; 0: the normal reference
};

// OLS of y on the columns of X (no intercept added) with the chosen covariance. `hac_lag` is the
// Newey-West lag for kHac and the minimum effective bandwidth for EWC (ewc_degrees_of_freedom).
// DataError when an observation has leverage 1 under kEwcHc3 (it alone determines a coefficient).
LinearFit ols_with_covariance(const Matrix& X, const Vector& y, StandardError se, int hac_lag);

double normal_cdf(double z);
// Two-sided p-value of a z statistic.
double two_sided_p(double z);
// Two-sided p-value of a statistic against N(0, 1) (dof 0) or Student's t(dof).
double two_sided_p(double statistic, int dof);
// The 0.975 quantile of the same reference (kZ975 for dof 0).
double critical_975(int dof);
// p-value of a Wald statistic of `restrictions` restrictions: chi-square (dof 0) or, for EWC's
// nu = dof, F(restrictions, dof - restrictions + 1) of W / restrictions (dof - restrictions + 1) /
// dof. REQUIRES restrictions <= dof when dof > 0.
double wald_p_value(double statistic, int restrictions, int dof);
// Upper tail of the chi-square distribution with `dof` degrees of freedom.
double chi_square_sf(double x, int dof);
// 0.975 quantile of the standard normal.
inline constexpr double kZ975 = 1.959963984540054;

}  // namespace mre::causal
