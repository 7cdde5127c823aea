// The SCM's shock regimes (scm/shock_regimes.h): the standardisation by hand, the ordering and
// the permuted transition matrix against the HMM and Viterbi kernels called directly with the
// energies counted here, and recovery of a known calm/stressed path from simulated shocks.
#include "mre/scm/shock_regimes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/hmm/viterbi.h"
#include "mre/scm/random.h"

namespace mre::scm {
namespace {

TEST(ShockRegimes, StandardizeByHand) {
  // Column 0: 1, 2, 3, 4 has mean 2.5 and population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 =
  // 1.25, so each value is divided by sqrt(1.25) (numpy: x / x.std(), ddof 0). Column 1 is
  // constant: divided by 1, unchanged.
  Matrix x(4, 2);
  x << 1, 5, 2, 5, 3, 5, 4, 5;
  const Matrix z = standardize_shocks(x);
  const double sd = std::sqrt(1.25);
  for (int t = 0; t < 4; ++t) {
    EXPECT_NEAR(z(t, 0), (t + 1) / sd, 1e-15);
    EXPECT_EQ(z(t, 1), 5.0);
  }
}

// A two-state Markov chain staying with probability `stay`; in state 1 the shocks have standard
// deviation `stressed_sd`, in state 0 one. Three equations, independent shocks.
struct Simulated {
  Matrix shocks;
  std::vector<int> state;
};

Simulated simulate(int n, double stay, double stressed_sd, std::uint64_t seed) {
  PathRandom rng(seed, 0);
  Simulated s{Matrix(n, 3), std::vector<int>(static_cast<std::size_t>(n))};
  int state = 0;
  for (int t = 0; t < n; ++t) {
    if (t > 0 && rng.uniform() >= stay) state = 1 - state;
    s.state[static_cast<std::size_t>(t)] = state;
    for (int e = 0; e < 3; ++e) s.shocks(t, e) = (state ? stressed_sd : 1.0) * rng.normal();
  }
  return s;
}

TEST(ShockRegimes, RecoversAKnownCalmAndStressedPath) {
  // Stay probability 0.98 (mean spell 50 days), stressed shocks four times as large: the Viterbi
  // path of a 2-state diagonal HMM recovers the chain up to a few days at the switches.
  const auto s = simulate(1500, 0.98, 4.0, 11);
  const auto r = fit_shock_regimes(s.shocks, {.regimes = 2, .seed = 7});
  ASSERT_EQ(r.path.size(), s.state.size());
  int agree = 0;
  for (std::size_t t = 0; t < r.path.size(); ++t) agree += r.path[t] == s.state[t];
  EXPECT_GT(agree, 0.97 * 1500) << "regime 0 must be the calm one";
  EXPECT_EQ(r.names, (std::vector<std::string>{"calm", "stressed"}));
  ASSERT_EQ(r.transition.rows(), 2);
  for (int a = 0; a < 2; ++a) {
    EXPECT_NEAR(r.transition.row(a).sum(), 1.0, 1e-12);
    EXPECT_NEAR(r.transition(a, a), 0.98, 0.02);  // the chain's persistence
  }
}

TEST(ShockRegimes, OrderAndTransitionFollowTheHmmByMeanSquaredShock) {
  // Three regimes of growing size (standard deviations 1, 4 and 16, four equations); the
  // kernel's path and transition must be the HMM's Viterbi path and transition matrix relabelled
  // by the mean squared standardised shock counted here.
  PathRandom rng(5, 0);
  Matrix x(900, 4);
  for (int t = 0; t < 900; ++t) {
    const double sd = t < 300 ? 4.0 : (t < 600 ? 1.0 : 16.0);  // middle, calm, stressed
    for (int e = 0; e < 4; ++e) x(t, e) = sd * rng.normal();
  }
  const auto r = fit_shock_regimes(x, {.regimes = 3, .seed = 3});

  const Matrix z = standardize_shocks(x);
  const auto hmm = regimes::hmm::fit(z, {.n_states = 3,
                                         .covariance = regimes::hmm::CovarianceType::kDiag,
                                         .n_iter = 300,
                                         .tol = 1e-4,
                                         .n_init = 2,
                                         .seed = 3});
  const auto path = regimes::hmm::viterbi(regimes::hmm::log_emission(hmm.params, z),
                                          hmm.params.transition, hmm.params.initial)
                        .path;
  std::vector<double> mean(3, 0.0);
  std::vector<int> count(3, 0);
  for (int t = 0; t < 900; ++t) {
    mean[static_cast<std::size_t>(path[static_cast<std::size_t>(t)])] += z.row(t).squaredNorm();
    ++count[static_cast<std::size_t>(path[static_cast<std::size_t>(t)])];
  }
  for (int s = 0; s < 3; ++s) {
    ASSERT_GT(count[static_cast<std::size_t>(s)], 0);
    mean[static_cast<std::size_t>(s)] /= count[static_cast<std::size_t>(s)];
  }
  std::vector<int> order(3);  // order[rank] = HMM state
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return mean[static_cast<std::size_t>(a)] < mean[static_cast<std::size_t>(b)];
  });
  for (int t = 0; t < 900; ++t) {
    EXPECT_EQ(order[static_cast<std::size_t>(r.path[static_cast<std::size_t>(t)])],
              path[static_cast<std::size_t>(t)])
        << "day " << t;
  }
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      EXPECT_EQ(r.transition(a, b), hmm.params.transition(order[static_cast<std::size_t>(a)],
                                                          order[static_cast<std::size_t>(b)]));
    }
  }
  // The simulated blocks: days 300..599 calm (regime 0), 0..299 the middle, 600.. stressed.
  EXPECT_EQ(r.path[450], 0);
  EXPECT_EQ(r.path[150], 1);
  EXPECT_EQ(r.path[750], 2);
  EXPECT_EQ(r.names, (std::vector<std::string>{"vol1", "vol2", "vol3"}));
}

}  // namespace
}  // namespace mre::scm
