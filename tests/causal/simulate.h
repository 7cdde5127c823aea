// Simulated partially linear data shared by the causal tests.
#pragma once

#include <cstdint>
#include <random>

#include "mre/core/linalg.h"

namespace mre::causal::testdata {

struct Simulated {
  Matrix X;
  Vector t;
  Vector y;
  Matrix regimes;  // n x 2 one-hot
};

// y = theta(regime) t + g(X) + e, t = m(X) + v; g, m linear; e AR(1) with coefficient `rho`.
inline Simulated simulate(Eigen::Index n, std::uint64_t seed, double theta_a, double theta_b,
                          double rho = 0.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Simulated s{Matrix(n, 3), Vector(n), Vector(n), Matrix::Zero(n, 2)};
  double e = 0;
  int regime = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) s.X(i, j) = z(rng);
    if (std::uniform_real_distribution<double>()(rng) < 0.05) regime = 1 - regime;
    s.regimes(i, regime) = 1.0;
    s.t(i) = 0.8 * s.X(i, 0) - 0.5 * s.X(i, 1) + z(rng);
    e = rho * e + z(rng);
    const double theta = regime == 0 ? theta_a : theta_b;
    s.y(i) = theta * s.t(i) + 1.5 * s.X(i, 0) + s.X(i, 2) + e;
  }
  return s;
}

}  // namespace mre::causal::testdata
