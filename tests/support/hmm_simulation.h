// A draw from a Gaussian HMM (states by inverse-CDF on uniforms, emissions by the covariances'
// Cholesky factors), for the tests that fit HMMs to data with known parameters and states.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/regimes/hmm/gaussian_hmm.h"

namespace mre::testing {

struct SimulatedHmm {
  Matrix data;
  std::vector<int> states;
};

// T rows from p, seeded (the same seed gives the same draw on every platform with libstdc++).
inline SimulatedHmm simulate_hmm(const regimes::hmm::GaussianHmmParams& p, int T,
                                 std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  const auto draw = [&](const Vector& probs) {
    double r = u(rng);
    for (Eigen::Index k = 0; k < probs.size(); ++k) {
      r -= probs(k);
      if (r <= 0) return static_cast<int>(k);
    }
    return static_cast<int>(probs.size() - 1);
  };
  SimulatedHmm s;
  s.data.resize(T, p.n_features());
  int state = draw(p.initial);
  for (int t = 0; t < T; ++t) {
    if (t > 0) state = draw(p.transition.row(state).transpose());
    s.states.push_back(state);
    const Matrix L = p.covariances[static_cast<std::size_t>(state)].llt().matrixL();
    Vector e(p.n_features());
    for (auto& v : e) v = z(rng);
    s.data.row(t) = p.means.row(state) + (L * e).transpose();
  }
  return s;
}

}  // namespace mre::testing
