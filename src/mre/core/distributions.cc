// See distributions.h.
#include "mre/core/distributions.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mre {
namespace {

// Continued fraction for I_x(a, b) by the modified Lentz method (Press et al. 2007, eq. 6.4.5).
double beta_fraction(double x, double a, double b) {
  constexpr double tiny = 1e-300;
  constexpr double eps = 1e-15;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1.0) < eps) break;
  }
  return h;
}

}  // namespace

double incomplete_beta(double x, double a, double b) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use the symmetry.
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * beta_fraction(x, a, b) / a;
  return 1.0 - std::exp(log_front) * beta_fraction(1.0 - x, b, a) / b;
}

double student_t_cdf(double t, double nu) {
  // P(|T| > |t|) = I_{nu / (nu + t^2)}(nu / 2, 1 / 2).
  const double tail = 0.5 * incomplete_beta(nu / (nu + t * t), 0.5 * nu, 0.5);
  return t > 0 ? 1.0 - tail : tail;
}

double student_t_log_pdf(double t, double nu) {
  return std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) -
         0.5 * std::log(nu * std::numbers::pi) - 0.5 * (nu + 1.0) * std::log1p(t * t / nu);
}

double student_t_quantile(double p, double nu) {
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, nu);
  // Upper half: bracket, then Newton steps guarded by bisection on the bracket.
  double lo = 0.0;
  double hi = 1.0;
  while (student_t_cdf(hi, nu) < p && hi < 1e300) hi *= 4.0;
  double x = 0.5 * (lo + hi);
  for (int it = 0; it < 200; ++it) {
    const double f = student_t_cdf(x, nu) - p;
    if (f < 0)
      lo = x;
    else
      hi = x;
    const double step = f / std::exp(student_t_log_pdf(x, nu));
    double next = x - step;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::abs(next - x) <= 1e-14 * std::max(1.0, std::abs(x))) return next;
    x = next;
  }
  return x;
}

double student_t_two_sided_p(double t, double nu) {
  // P(|T| > |t|) = I_{nu / (nu + t^2)}(nu / 2, 1 / 2), without the cancellation of 1 - cdf.
  if (!std::isfinite(t)) return std::isnan(t) ? t : 0.0;
  return incomplete_beta(nu / (nu + t * t), 0.5 * nu, 0.5);
}

double f_distribution_sf(double f, double d1, double d2) {
  // P(F > f) = I_{d2 / (d2 + d1 f)}(d2 / 2, d1 / 2).
  if (!(f > 0)) return 1.0;
  return incomplete_beta(d2 / (d2 + d1 * f), 0.5 * d2, 0.5 * d1);
}

}  // namespace mre
