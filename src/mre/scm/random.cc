// See random.h.
#include "mre/scm/random.h"

namespace mre::scm {
namespace detail {

namespace {
Ziggurat make_ziggurat() {
  // Marsaglia & Tsang (2000), section 4 with n = 256: r is the tail start and v the common
  // area of the 256 pieces (255 rectangles and the base strip with the tail), for the
  // unnormalised density f(x) = exp(-x^2/2).
  constexpr double r = 3.6541528853610088;
  constexpr double v = 4.92867323399e-3;
  Ziggurat z;
  const auto f = [](double x) { return std::exp(-0.5 * x * x); };
  z.x[0] = v / f(r);
  z.x[1] = r;
  for (std::size_t i = 1; i < 256; ++i) {
    const double y = v / z.x[i] + f(z.x[i]);
    z.x[i + 1] = y >= 1.0 ? 0.0 : std::sqrt(-2.0 * std::log(y));
  }
  z.x[256] = 0.0;
  for (std::size_t i = 0; i <= 256; ++i) z.f[i] = f(z.x[i]);
  z.f[0] = f(r);  // the base strip's height is f(r)
  return z;
}
}  // namespace

const Ziggurat kZiggurat = make_ziggurat();

}  // namespace detail

double PathRandom::normal_slow(std::uint64_t bits, int /*layer*/) {
  const auto& z = detail::kZiggurat;
  for (;;) {
    const auto i = static_cast<std::size_t>(bits & 255U);
    const bool negative = (bits & 256U) != 0;
    const double x =
        static_cast<double>(static_cast<std::int64_t>(bits >> 11)) * 0x1.0p-53 * z.x[i];
    if (x < z.x[i + 1]) return negative ? -x : x;
    if (i == 0) {
      // The tail beyond r (Marsaglia 1964): exponential proposals accepted against the normal.
      const double r = z.x[1];
      double a = 0;
      double b = 0;
      do {
        a = -std::log(open_uniform()) / r;
        b = -std::log(open_uniform());
      } while (b + b < a * a);
      return negative ? -(r + a) : r + a;
    }
    // The wedge of layer i: a point of the rectangle [0, x_i] x [f(x_i), f(x_{i+1})] under f.
    const double y = z.f[i] + uniform() * (z.f[i + 1] - z.f[i]);
    if (y < std::exp(-0.5 * x * x)) return negative ? -x : x;
    bits = next();  // rejected: a fresh draw from the whole ziggurat
  }
}

double PathRandom::gamma(double shape) {
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) U^(1/a) (Marsaglia & Tsang 2000b, section 6).
    const double g = gamma(shape + 1.0);
    return g * std::pow(open_uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = normal();
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = open_uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

}  // namespace mre::scm
