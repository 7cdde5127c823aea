// See lambert_w.h.
#include "mre/neural/lambert_w.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "mre/core/error.h"

namespace mre::neural {

double lambert_w0(double x) {
  if (!(x >= 0) || !std::isfinite(x)) {
    throw Error(ErrorCode::kInvalidArgument,
                "lambert_w0: argument must be finite and >= 0 (got " + std::to_string(x) + ")");
  }
  if (x == 0) return 0.0;
  // Start: log1p(x) (equal to W0 to first order at 0, within 25% below 3); log(x) - log(log(x))
  // above (the asymptotic expansion, Corless et al. eq. 4.19).
  double w = x < 3.0 ? std::log1p(x) : std::log(x) - std::log(std::log(x));
  for (int i = 0; i < 100; ++i) {
    const double ew = std::exp(w);
    const double f = w * ew - x;
    const double wp1 = w + 1.0;
    const double step = f / (ew * wp1 - (w + 2.0) * f / (2.0 * wp1));  // Halley
    w -= step;
    if (std::abs(step) <= 1e-16 * (1.0 + std::abs(w))) break;
  }
  return w;
}

double lambert_w_inverse(double z, double delta) {
  if (delta == 0 || z == 0) return z;
  const double u = std::sqrt(lambert_w0(delta * z * z) / delta);
  return z < 0 ? -u : u;
}

double lambert_w_forward(double u, double delta) { return u * std::exp(0.5 * delta * u * u); }

namespace {

double kurtosis(const Vector& x) {
  const double m = x.mean();
  const double v = (x.array() - m).square().mean();
  return (x.array() - m).pow(4).mean() / (v * v);
}

Vector inverse_all(const Vector& z, double delta) {
  Vector u(z.size());
  for (Eigen::Index i = 0; i < z.size(); ++i) u(i) = lambert_w_inverse(z(i), delta);
  return u;
}

// The largest delta fitted: moments of order below 1/delta exist (Goerg 2015, section 2.4), so
// delta <= 1/2.1 keeps a finite variance with the margin of the student-t generator's floor
// nu >= 2.1 (scm/student_t.h). Without it, shocks that are mostly zero with rare jumps (the SCM's
// rate nodes) push delta to where the transform's draws have no variance (docs/scm.md, the
// SCM's shocks: MBS's delta went to 5 and its generated shocks exploded).
constexpr double kMaxLambertDelta = 1.0 / 2.1;

// The delta at which W_delta(z) has kurtosis 3 (kurtosis falls as delta grows), at most
// kMaxLambertDelta.
double delta_for_gaussian_kurtosis(const Vector& z) {
  if (kurtosis(z) <= 3.0) return 0.0;
  double lo = 0.0;
  double hi = kMaxLambertDelta;
  if (kurtosis(inverse_all(z, hi)) > 3.0) return hi;
  for (int i = 0; i < 100 && hi - lo > 1e-10; ++i) {
    const double mid = 0.5 * (lo + hi);
    (kurtosis(inverse_all(z, mid)) > 3.0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

LambertWFit fit_lambert_w(const Vector& y, double tolerance, int max_iterations) {
  if (y.size() < 10)
    throw Error(ErrorCode::kDataError,
                "Lambert W fit: needs at least 10 values (got " + std::to_string(y.size()) + ")");
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y(i)))
      throw Error(ErrorCode::kDataError,
                  "Lambert W fit: value " + std::to_string(i) + " is not finite");
  }
  std::vector<double> sorted(y.data(), y.data() + y.size());
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                   sorted.end());
  LambertWFit fit;
  auto& p = fit.params;
  p.mu = sorted[sorted.size() / 2];
  p.sigma = std::sqrt((y.array() - y.mean()).square().mean());
  if (!(p.sigma > 0)) throw Error(ErrorCode::kDataError, "Lambert W fit: the values are constant");
  for (fit.iterations = 1; fit.iterations <= max_iterations; ++fit.iterations) {
    const Vector z = (y.array() - p.mu) / p.sigma;
    const double delta = delta_for_gaussian_kurtosis(z);
    const Vector x = p.mu + p.sigma * inverse_all(z, delta).array();
    const double mu = x.mean();
    const double sigma = std::sqrt((x.array() - mu).square().mean());
    const double change =
        std::max({std::abs(mu - p.mu), std::abs(sigma - p.sigma), std::abs(delta - p.delta)});
    p = {.mu = mu, .sigma = sigma, .delta = delta};
    if (change < tolerance) {
      fit.converged = true;
      break;
    }
  }
  return fit;
}

Vector gaussianize(const Vector& y, const LambertWParams& p) {
  return inverse_all((y.array() - p.mu) / p.sigma, p.delta);
}

Vector degaussianize(const Vector& u, const LambertWParams& p) {
  Vector y(u.size());
  for (Eigen::Index i = 0; i < u.size(); ++i)
    y(i) = p.mu + p.sigma * lambert_w_forward(u(i), p.delta);
  return y;
}

}  // namespace mre::neural
