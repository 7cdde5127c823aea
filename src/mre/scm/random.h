// Random numbers for Monte Carlo scenarios: one small generator per path (splitmix64, Steele,
// Lea & Flood 2014) so that a path's draws depend on the run's seed and the path's index only,
// never on which thread ran it; standard normals by the ziggurat method (Marsaglia & Tsang 2000,
// 256 layers); gamma and chi-square by Marsaglia & Tsang (2000b). Inline: they sit in the
// innermost loop of the simulator.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace mre::scm {

class PathRandom {
 public:
  // The stream of path `path` in a run seeded with `seed`.
  PathRandom(std::uint64_t seed, std::uint64_t path)
      : state_(mix(seed ^ mix(path + 0x632be59bd9b4e019ULL))) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }
  // Uniform on [0, 1) with 53 random bits.
  // (Through a signed 64-bit integer: x86-64 converts those in one instruction.)
  double uniform() {
    return static_cast<double>(static_cast<std::int64_t>(next() >> 11)) * 0x1.0p-53;
  }
  // Uniform on (0, 1): never 0, for logarithms.
  double open_uniform() {
    return (static_cast<double>(static_cast<std::int64_t>(next() >> 11)) + 0.5) * 0x1.0p-53;
  }
  // An index in [0, n).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
  }
  double normal();
  // Gamma(shape, 1), shape > 0.
  double gamma(double shape);
  // Chi-square with nu degrees of freedom (nu > 0, not necessarily an integer).
  double chi_square(double nu) { return 2.0 * gamma(0.5 * nu); }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double normal_slow(std::uint64_t bits, int layer);
  std::uint64_t state_;
};

namespace detail {
// Layer edges x[0..256] of the 256-layer ziggurat (x[0] the base strip's virtual width,
// x[1] = r the tail start, x[256] = 0) and f(x) = exp(-x^2/2) at each edge.
struct Ziggurat {
  std::array<double, 257> x{};
  std::array<double, 257> f{};
};
// Built before main (random.cc); no guard on the hot path.
extern const Ziggurat kZiggurat;
}  // namespace detail

inline double PathRandom::normal() {
  const std::uint64_t bits = next();
  const int layer = static_cast<int>(bits & 255U);
  const auto& z = detail::kZiggurat;
  const double u = static_cast<double>(static_cast<std::int64_t>(bits >> 11)) * 0x1.0p-53;
  const double x = u * z.x[static_cast<std::size_t>(layer)];
  // Fully inside the curve: the common case (about 98.5% of draws). The sign comes from bit 8,
  // moved onto the sign bit without a branch (a coin-flip branch mispredicts half the time).
  if (x < z.x[static_cast<std::size_t>(layer) + 1])
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) ^ ((bits & 256U) << 55));
  return normal_slow(bits, layer);
}

}  // namespace mre::scm
