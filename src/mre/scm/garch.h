// GARCH(1,1) with Gaussian innovations fitted by maximum likelihood (Bollerslev 1986): the
// baseline generator of Wiese et al. (2020), and a shock generator of the SCM joined across
// equations by a constant conditional correlation (Bollerslev 1990).
//
//   x_t = mu + e_t,  e_t = sqrt(h_t) z_t,  z_t ~ N(0, 1) i.i.d.,
//   h_t = omega + alpha e_{t-1}^2 + beta h_{t-1},   omega > 0, alpha, beta >= 0, alpha + beta < 1,
//   h_0 = the sample variance of x (population form, fixed: not a parameter),
//   log L = -1/2 sum_{t=0}^{T-1} [ log(2 pi) + log h_t + e_t^2 / h_t ]   (Hamilton 1994,
//   eq. 21.1.19).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::scm {

struct GarchParams {
  double mu = 0.0;
  double omega = 0.0;
  double alpha = 0.0;
  double beta = 0.0;
};

struct GarchConfig {
  int max_iterations = 1000;  // BFGS iterations per start
  double gradient_tolerance =
      1e-8;  // on the largest gradient component, standardised data, per observation
};

struct GarchFit {
  GarchParams params{};
  double log_likelihood = 0.0;
  int iterations = 0;
  bool converged = false;
  Vector variance;             // h_t, t = 0..T-1
  double next_variance = 0.0;  // h_T: the variance of the day after the sample
};

// Minimum sample: below it the four parameters are not identified in practice.
inline constexpr int kGarchMinObservations = 100;

// The conditional variances h_0..h_T (T + 1 values) of x under `params`.
Vector garch_variance(const Vector& x, const GarchParams& params);
double garch_log_likelihood(const Vector& x, const GarchParams& params);

// Maximum likelihood by BFGS on an unconstrained reparametrisation (omega = exp(.), alpha + beta
// = logistic(.), alpha / (alpha + beta) = logistic(.)) of the standardised series, with the
// analytic gradient, from three starts; the estimates are mapped back to x's units.
// DataError naming 'x' for fewer than kGarchMinObservations values, a non-finite value, or a
// constant series.
GarchFit fit_garch(const Vector& x, const GarchConfig& config = {});

// Draws n values of the process from conditional variance `h` for the first, with standard
// normals from `normal` (called n times).
template <class Normal>
Vector simulate_garch(const GarchParams& p, double h, int n, Normal&& normal) {
  Vector out(n);
  for (int t = 0; t < n; ++t) {
    const double e = std::sqrt(h) * normal();
    out(t) = p.mu + e;
    h = p.omega + p.alpha * e * e + p.beta * h;
  }
  return out;
}

// Per-column GARCH(1,1) with a constant conditional correlation of the standardised residuals
// z_t = e_t / sqrt(h_t) (Bollerslev 1990): the `garch` shock generator's fit.
struct GarchShocks {
  std::vector<GarchFit> margins{};
  Matrix correlation;       // E x E, of the standardised residuals
  RowVector next_variance;  // h_T per column: the conditional variance on the day after the sample
};
// DataError naming the column (its index) that cannot be fitted.
GarchShocks fit_garch_shocks(const Matrix& residuals, const GarchConfig& config = {});

}  // namespace mre::scm
