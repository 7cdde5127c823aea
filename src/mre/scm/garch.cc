// See garch.h.
#include "mre/scm/garch.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

#include "mre/core/error.h"

namespace mre::scm {

namespace {

using Theta =
    std::array<double, 4>;  // mu, log omega, logit(alpha + beta), logit(alpha / (alpha + beta))

double logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

GarchParams from_theta(const Theta& th) {
  const double persistence = logistic(th[2]);
  const double share = logistic(th[3]);
  return {.mu = th[0],
          .omega = std::exp(th[1]),
          .alpha = persistence * share,
          .beta = persistence * (1.0 - share)};
}

// Minus the log-likelihood per observation of the standardised series y (h_0 = 1) and its
// gradient in theta: the recursions dh_t/dp = d(omega + alpha e_{t-1}^2 + beta h_{t-1})/dp.
double objective(const Vector& y, const Theta& th, Theta* gradient) {
  const GarchParams p = from_theta(th);
  const auto n = y.size();
  double h = 1.0;
  double dh_mu = 0, dh_omega = 0, dh_alpha = 0, dh_beta = 0;
  double sum = 0.0;
  double g_mu = 0, g_omega = 0, g_alpha = 0, g_beta = 0;
  for (Eigen::Index t = 0; t < n; ++t) {
    const double e = y(t) - p.mu;
    if (!(h > 0) || !std::isfinite(h)) return std::numeric_limits<double>::infinity();
    sum += std::log(h) + e * e / h;
    // d/dh of [log h + e^2/h] and d/dmu through e.
    const double dh = 1.0 / h - e * e / (h * h);
    g_mu += dh * dh_mu - 2.0 * e / h;
    g_omega += dh * dh_omega;
    g_alpha += dh * dh_alpha;
    g_beta += dh * dh_beta;
    // Next day's variance and its derivatives.
    dh_mu = -2.0 * p.alpha * e + p.beta * dh_mu;
    dh_omega = 1.0 + p.beta * dh_omega;
    dh_alpha = e * e + p.beta * dh_alpha;
    dh_beta = h + p.beta * dh_beta;
    h = p.omega + p.alpha * e * e + p.beta * h;
  }
  const double scale = 0.5 / static_cast<double>(n);
  if (gradient) {
    const double persistence = p.alpha + p.beta;
    const double share = persistence > 0 ? p.alpha / persistence : 0.0;
    const double dp = persistence * (1.0 - persistence);
    const double ds = share * (1.0 - share);
    (*gradient)[0] = scale * g_mu;
    (*gradient)[1] = scale * g_omega * p.omega;
    (*gradient)[2] = scale * (g_alpha * share + g_beta * (1.0 - share)) * dp;
    (*gradient)[3] = scale * (g_alpha - g_beta) * persistence * ds;
  }
  return scale * (sum + static_cast<double>(n) * std::log(2.0 * std::numbers::pi));
}

double max_abs(const Theta& g) {
  double m = 0;
  for (const double v : g) m = std::max(m, std::abs(v));
  return m;
}

struct Minimum {
  Theta theta{};
  double value = 0.0;
  int iterations = 0;
  bool converged = false;
};

// BFGS (Nocedal & Wright 2006, algorithm 6.1) with a backtracking Armijo line search.
Minimum bfgs(const Vector& y, Theta th, const GarchConfig& config) {
  Theta g{};
  double f = objective(y, th, &g);
  std::array<std::array<double, 4>, 4> inv{};
  for (int i = 0; i < 4; ++i) inv[static_cast<std::size_t>(i)][static_cast<std::size_t>(i)] = 1.0;
  Minimum out{.theta = th, .value = f};
  for (int it = 0; it < config.max_iterations; ++it) {
    out.iterations = it + 1;
    if (max_abs(g) < config.gradient_tolerance) {
      out.converged = true;
      break;
    }
    Theta d{};
    double slope = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      for (std::size_t j = 0; j < 4; ++j) d[i] -= inv[i][j] * g[j];
      slope += d[i] * g[i];
    }
    if (!(slope < 0)) {  // not a descent direction: restart from the gradient
      for (std::size_t i = 0; i < 4; ++i) {
        for (std::size_t j = 0; j < 4; ++j) inv[i][j] = i == j ? 1.0 : 0.0;
        d[i] = -g[i];
      }
      slope = 0;
      for (std::size_t i = 0; i < 4; ++i) slope += d[i] * g[i];
    }
    double step = 1.0;
    Theta next{};
    Theta g_next{};
    double f_next = 0;
    bool accepted = false;
    for (int k = 0; k < 60; ++k) {
      for (std::size_t i = 0; i < 4; ++i) next[i] = th[i] + step * d[i];
      f_next = objective(y, next, &g_next);
      if (std::isfinite(f_next) && f_next <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {  // no decrease to machine precision: at the minimum as far as doubles tell
      out.converged = max_abs(g) < 1e3 * config.gradient_tolerance;
      break;
    }
    // No progress beyond rounding of the objective (its sum over T terms): the gradient is at
    // its noise level; converged when that level is small.
    if (f - f_next <= 1e-15 * std::max(1.0, std::abs(f))) {
      out.converged = max_abs(g_next) < 1e4 * config.gradient_tolerance;
      if (f_next < f) {
        out.theta = next;
        out.value = f_next;
      }
      break;
    }
    Theta s{};
    Theta q{};
    double sq = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      s[i] = next[i] - th[i];
      q[i] = g_next[i] - g[i];
      sq += s[i] * q[i];
    }
    if (sq > 1e-16) {
      // H+ = (I - rho s q') H (I - rho q s') + rho s s'
      const double rho = 1.0 / sq;
      Theta hq{};
      double qhq = 0;
      for (std::size_t i = 0; i < 4; ++i) {
        for (std::size_t j = 0; j < 4; ++j) hq[i] += inv[i][j] * q[j];
      }
      for (std::size_t i = 0; i < 4; ++i) qhq += q[i] * hq[i];
      for (std::size_t i = 0; i < 4; ++i) {
        for (std::size_t j = 0; j < 4; ++j) {
          inv[i][j] += -rho * (s[i] * hq[j] + hq[i] * s[j]) + (rho * rho * qhq + rho) * s[i] * s[j];
        }
      }
    }
    th = next;
    f = f_next;
    g = g_next;
    out.theta = th;
    out.value = f;
  }
  return out;
}

}  // namespace

Vector garch_variance(const Vector& x, const GarchParams& p) {
  const auto n = x.size();
  Vector h(n + 1);
  const double mean = x.mean();
  h(0) = (x.array() - mean).square().mean();
  for (Eigen::Index t = 0; t < n; ++t) {
    const double e = x(t) - p.mu;
    h(t + 1) = p.omega + p.alpha * e * e + p.beta * h(t);
  }
  return h;
}

double garch_log_likelihood(const Vector& x, const GarchParams& p) {
  const Vector h = garch_variance(x, p);
  double sum = 0;
  for (Eigen::Index t = 0; t < x.size(); ++t) {
    const double e = x(t) - p.mu;
    sum += std::log(2.0 * std::numbers::pi) + std::log(h(t)) + e * e / h(t);
  }
  return -0.5 * sum;
}

GarchFit fit_garch(const Vector& x, const GarchConfig& config) {
  if (x.size() < kGarchMinObservations) {
    throw Error(ErrorCode::kDataError, "garch: argument 'x' has " + std::to_string(x.size()) +
                                           " values; a GARCH(1,1) fit needs at least " +
                                           std::to_string(kGarchMinObservations));
  }
  for (Eigen::Index t = 0; t < x.size(); ++t) {
    if (!std::isfinite(x(t)))
      throw Error(ErrorCode::kDataError,
                  "garch: argument 'x' has a non-finite value at position " + std::to_string(t));
  }
  const double mean = x.mean();
  const double sd = std::sqrt((x.array() - mean).square().mean());
  if (!(sd > 0)) throw Error(ErrorCode::kDataError, "garch: argument 'x' is constant");
  const Vector y = (x.array() - mean) / sd;
  // Starts: (alpha, beta) pairs common in daily data, omega so the unconditional variance is 1.
  Minimum best{.value = std::numeric_limits<double>::infinity()};
  for (const auto& [a, b] :
       std::array<std::pair<double, double>, 3>{{{0.05, 0.90}, {0.10, 0.80}, {0.03, 0.96}}}) {
    const Theta start{0.0, std::log(1.0 - a - b), logit(a + b), logit(a / (a + b))};
    const Minimum m = bfgs(y, start, config);
    if (m.value < best.value) best = m;
  }
  const GarchParams s = from_theta(best.theta);
  GarchFit fit;
  fit.params = {
      .mu = mean + sd * s.mu, .omega = sd * sd * s.omega, .alpha = s.alpha, .beta = s.beta};
  fit.iterations = best.iterations;
  fit.converged = best.converged;
  const Vector h = garch_variance(x, fit.params);
  fit.variance = h.head(x.size());
  fit.next_variance = h(x.size());
  fit.log_likelihood = garch_log_likelihood(x, fit.params);
  return fit;
}

GarchShocks fit_garch_shocks(const Matrix& residuals, const GarchConfig& config) {
  const auto e = residuals.cols();
  const auto n = residuals.rows();
  GarchShocks out;
  Matrix z(n, e);
  out.next_variance.resize(e);
  for (Eigen::Index j = 0; j < e; ++j) {
    try {
      out.margins.push_back(fit_garch(residuals.col(j), config));
    } catch (const Error& err) {
      throw Error(err.code(), "shocks column " + std::to_string(j) + ": " + err.what());
    }
    const auto& m = out.margins.back();
    z.col(j) = (residuals.col(j).array() - m.params.mu) / m.variance.array().sqrt();
    out.next_variance(j) = m.next_variance;
  }
  const RowVector mean = z.colwise().mean();
  const Matrix c = z.rowwise() - mean;
  Matrix cov = c.transpose() * c / static_cast<double>(n);
  const Vector sd = cov.diagonal().array().sqrt();
  out.correlation = cov.array() / (sd * sd.transpose()).array();
  return out;
}

}  // namespace mre::scm
