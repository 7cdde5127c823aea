// Jump models against a hand-worked example, brute force over every state sequence (T <= 12,
// K <= 3), a numpy implementation of the same coordinate descent (reference_jump.py, run here),
// k-means (lambda = 0), simulated regimes, the monotone objective, and online inference that
// never looks ahead.
#include "mre/regimes/jump/jump_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "mre/regimes/kmeans/kmeans.h"
#include "support/matrix_csv.h"
#include "support/test_support.h"

namespace mre::regimes::jump {
namespace {

Matrix gaussian(int rows, int cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  Matrix m(rows, cols);
  for (int t = 0; t < rows; ++t) {
    for (int d = 0; d < cols; ++d) m(t, d) = z(rng);
  }
  return m;
}

// Rows drawn from a persistent K-state Markov chain (stay probability `stay`), feature means
// 3 * (state index) in every column, unit noise: regimes a jump model should recover.
struct Simulated {
  Matrix data;
  std::vector<int> truth;
};
Simulated simulate(int rows, int states, int cols, double stay, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int> pick(0, states - 1);
  Simulated out{Matrix(rows, cols), std::vector<int>(static_cast<std::size_t>(rows))};
  int s = pick(rng);
  for (int t = 0; t < rows; ++t) {
    if (t > 0 && u(rng) > stay) {
      int next = s;
      while (next == s) next = pick(rng);
      s = next;
    }
    out.truth[static_cast<std::size_t>(t)] = s;
    for (int d = 0; d < cols; ++d) out.data(t, d) = 3.0 * s + z(rng);
  }
  return out;
}

// Share of rows where `labels` equals `truth` after the best relabelling (K <= 3: all
// permutations).
double best_agreement(const std::vector<int>& labels, const std::vector<int>& truth, int K) {
  std::vector<int> perm(static_cast<std::size_t>(K));
  for (int k = 0; k < K; ++k) perm[static_cast<std::size_t>(k)] = k;
  double best = 0;
  do {
    double hits = 0;
    for (std::size_t t = 0; t < labels.size(); ++t)
      hits += perm[static_cast<std::size_t>(labels[t])] == truth[t] ? 1 : 0;
    best = std::max(best, hits / static_cast<double>(labels.size()));
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

TEST(JumpModel, HandWorkedSwitchOrStay) {
  // 1-D data 10, 10, 0, 10, 10 with centroids 0 and 10: the 0 costs 1/2 * 10^2 = 50 in state 1.
  // With lambda = 60, staying in state 1 (cost 50) beats two switches (120): objective 50.
  // With lambda = 20, switching twice (40) beats staying: states 1,1,0,1,1, objective 40.
  const Matrix x = (Matrix(5, 1) << 10, 10, 0, 10, 10).finished();
  const Matrix centers = (Matrix(2, 1) << 0, 10).finished();
  const Matrix cands = candidate_states({.n_states = 2});
  const auto stay = solve_dp(state_loss(x, centers, cands),
                             penalty_matrix({.n_states = 2, .jump_penalty = 60}, cands));
  EXPECT_EQ(stay.states, (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(stay.objective, 50.0);
  const auto jump = solve_dp(state_loss(x, centers, cands),
                             penalty_matrix({.n_states = 2, .jump_penalty = 20}, cands));
  EXPECT_EQ(jump.states, (std::vector<int>{1, 1, 0, 1, 1}));
  EXPECT_DOUBLE_EQ(jump.objective, 40.0);
  EXPECT_DOUBLE_EQ(objective(x, centers, jump.states, {.n_states = 2, .jump_penalty = 20}), 40.0);
  // Online, lambda = 20: V(0) = (50, 0), V(1) = (50 + min(50, 0 + 20), 0 + min(0, 50 + 20)) =
  // (70, 0), V(2) = (0 + min(70, 0 + 20), 50 + min(0, 70 + 20)) = (20, 50): state 0 at t = 2
  // already. lambda = 60: V(1) = (100, 0), V(2) = (0 + min(100, 60), 50 + 0) = (60, 50): still 1.
  const Matrix v20 = forward_values(state_loss(x, centers, cands),
                                    penalty_matrix({.n_states = 2, .jump_penalty = 20}, cands));
  EXPECT_DOUBLE_EQ(v20(1, 0), 70.0);
  EXPECT_DOUBLE_EQ(v20(2, 0), 20.0);
  EXPECT_DOUBLE_EQ(v20(2, 1), 50.0);
  EXPECT_EQ(infer_online(x, centers, {.n_states = 2, .jump_penalty = 20}).states[2], 0);
  EXPECT_EQ(infer_online(x, centers, {.n_states = 2, .jump_penalty = 60}).states[2], 1);
}

// Every sequence of K^T states, the objective of each computed directly.
DpSolution brute_force(const Matrix& loss, const Matrix& penalty) {
  const auto T = static_cast<int>(loss.rows());
  const auto N = static_cast<int>(loss.cols());
  std::vector<int> s(static_cast<std::size_t>(T), 0);
  DpSolution best{s, std::numeric_limits<double>::infinity()};
  while (true) {
    double value = 0;
    for (int t = 0; t < T; ++t) {
      value += loss(t, s[static_cast<std::size_t>(t)]);
      if (t > 0)
        value += penalty(s[static_cast<std::size_t>(t - 1)], s[static_cast<std::size_t>(t)]);
    }
    if (value < best.objective) best = {s, value};
    int pos = T - 1;  // odometer, last position fastest: the first optimum in lexicographic order
    while (pos >= 0 && ++s[static_cast<std::size_t>(pos)] == N)
      s[static_cast<std::size_t>(pos--)] = 0;
    if (pos < 0) break;
  }
  return best;
}

TEST(JumpModel, DynamicProgrammeEqualsBruteForce) {
  int cases = 0;
  for (int K = 1; K <= 3; ++K) {
    for (int T : {1, 2, 5, 9, 12}) {
      for (double lambda : {0.0, 0.3, 1.5, 10.0}) {
        const Matrix x = gaussian(T, 2, 1000 + static_cast<std::uint64_t>(T * 10 + K));
        const Matrix centers = gaussian(K, 2, 77 + static_cast<std::uint64_t>(K));
        const JumpModelConfig config{.n_states = K, .jump_penalty = lambda};
        const Matrix cands = candidate_states(config);
        const Matrix loss = state_loss(x, centers, cands);
        const Matrix penalty = penalty_matrix(config, cands);
        const auto dp = solve_dp(loss, penalty);
        const auto brute = brute_force(loss, penalty);
        EXPECT_EQ(dp.states, brute.states) << "K=" << K << " T=" << T << " lambda=" << lambda;
        // 1e-12 relative: the same sums in a different order.
        EXPECT_NEAR(dp.objective, brute.objective, 1e-12 * std::max(1.0, brute.objective));
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 60);
}

TEST(JumpModel, ContinuousDynamicProgrammeEqualsBruteForce) {
  // K = 2 on the grid {0, 1/2, 1}: 3 candidate vectors, 3^T sequences for T <= 10.
  for (int T : {1, 4, 10}) {
    for (bool mode : {false, true}) {
      const JumpModelConfig config{.n_states = 2,
                                   .jump_penalty = 2.0,
                                   .continuous = true,
                                   .grid_size = 0.5,
                                   .mode_loss = mode};
      const Matrix cands = candidate_states(config);
      ASSERT_EQ(cands.rows(), 3);
      const Matrix x = gaussian(T, 1, 500 + static_cast<std::uint64_t>(T));
      const Matrix centers = (Matrix(2, 1) << -0.8, 0.9).finished();
      const Matrix loss = state_loss(x, centers, cands);
      const Matrix penalty = penalty_matrix(config, cands);
      const auto dp = solve_dp(loss, penalty);
      const auto brute = brute_force(loss, penalty);
      EXPECT_EQ(dp.states, brute.states) << "T=" << T;
      EXPECT_NEAR(dp.objective, brute.objective, 1e-12 * std::max(1.0, brute.objective));
    }
  }
}

TEST(JumpModel, SimplexGridAndPenalty) {
  // m = 20, K = 3: C(22, 2) = 231 vectors with coordinates in {0, 0.05, ..., 1} summing to 1.
  const JumpModelConfig config{.n_states = 3,
                               .jump_penalty = 8.0,
                               .continuous = true,
                               .grid_size = 0.05,
                               .mode_loss = false};
  const Matrix cands = candidate_states(config);
  ASSERT_EQ(cands.rows(), 231);
  for (Eigen::Index i = 0; i < cands.rows(); ++i) {
    EXPECT_NEAR(cands.row(i).sum(), 1.0, 1e-12);  // sums of multiples of 1/20
    EXPECT_GE(cands.row(i).minCoeff(), 0.0);
  }
  EXPECT_TRUE(cands.topRows(3).isIdentity(0.0));
  const Matrix p = penalty_matrix(config, cands);
  // Vertex to vertex: ||e_0 - e_1||_1 = 2, lambda / 4 * 4 = lambda, the discrete model's cost.
  EXPECT_DOUBLE_EQ(p(0, 1), 8.0);
  EXPECT_DOUBLE_EQ(p(2, 2), 0.0);
  // With the mode loss every row of exp(-P) sums to the same value.
  JumpModelConfig with_mode = config;
  with_mode.mode_loss = true;
  const Matrix pm = penalty_matrix(with_mode, cands);
  const double first = (-pm.row(0).array()).exp().sum();
  for (Eigen::Index i = 1; i < pm.rows(); ++i) {
    EXPECT_NEAR((-pm.row(i).array()).exp().sum(), first, 1e-12 * first);  // rounding of exp/log
  }
  EXPECT_THROW(candidate_states({.n_states = 3, .continuous = true, .grid_size = 0.3}), Error);
  EXPECT_THROW(candidate_states({.n_states = 6, .continuous = true, .grid_size = 0.05}),
               Error);  // 53,130 points
}

// Runs reference_jump.py on the data and initial centres; returns its JSON.
nlohmann::json numpy_reference(const Matrix& x, const Matrix& init, const JumpModelConfig& c,
                               const testing::TempDir& dir) {
  testing::write_file(dir / "x.csv", testing::matrix_to_csv(x));
  testing::write_file(dir / "c.csv", testing::matrix_to_csv(init));
  std::ostringstream cmd;
  cmd.precision(17);
  cmd << "/usr/bin/python3 "
      << (testing::source_dir() / "tests/regimes/jump/reference_jump.py").string() << " "
      << (dir / "x.csv").string() << " " << (dir / "c.csv").string() << " " << c.jump_penalty << " "
      << (c.continuous ? 1 : 0) << " " << c.grid_size << " " << (c.mode_loss ? 1 : 0) << " "
      << c.max_iter << " " << c.tol;
  const auto r = testing::run_shell(cmd.str());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(JumpModel, CoordinateDescentEqualsNumpyReference) {
  const testing::TempDir dir;
  const auto sim = simulate(400, 3, 3, 0.97, 11);
  for (bool continuous : {false, true}) {
    // 1e5: no switch pays on 400 rows, so the fit uses one state and the other two are empty
    // (NaN centroids, never assigned online; both implementations follow `jumpmodels`).
    for (double lambda : {0.0, 5.0, 50.0, 1e5}) {
      const JumpModelConfig config{
          .n_states = 3, .jump_penalty = lambda, .continuous = continuous, .grid_size = 0.1};
      const Matrix init = kmeans::kmeans_plus_plus(sim.data, 3, 5);
      const auto fit = fit_from(sim.data, init, config);
      const auto ref = numpy_reference(sim.data, init, config, dir);
      EXPECT_EQ(fit.empty_states.size(), lambda == 1e5 ? 2u : 0u) << "lambda=" << lambda;
      EXPECT_EQ(fit.empty_states, empty_states_of(fit.centers));
      // 1e-10 relative: two implementations summing the same terms in different orders.
      EXPECT_NEAR(fit.objective, ref["objective"].get<double>(), 1e-10 * std::abs(fit.objective))
          << "continuous=" << continuous << " lambda=" << lambda;
      EXPECT_EQ(fit.iterations, ref["iterations"].get<int>());
      const auto ref_centers = ref["centers"];
      for (int k = 0; k < 3; ++k) {
        for (int d = 0; d < 3; ++d) {
          if (ref_centers[k][d].is_null()) {
            EXPECT_TRUE(std::isnan(fit.centers(k, d))) << "state " << k << " should be empty";
          } else {
            EXPECT_NEAR(fit.centers(k, d), ref_centers[k][d].get<double>(), 1e-10);
          }
        }
      }
      // The reference enumerates the grid in another order: compare the state vectors.
      const auto ref_p = ref["probabilities"].get<std::vector<std::vector<double>>>();
      const auto ref_online = ref["online_probabilities"].get<std::vector<std::vector<double>>>();
      const auto online = infer_online(sim.data, fit.centers, config);
      for (Eigen::Index t = 0; t < sim.data.rows(); ++t) {
        for (int k = 0; k < 3; ++k) {
          // Grid coordinates j/10 computed the same way in both: equal to rounding.
          ASSERT_NEAR(fit.probabilities(t, k),
                      ref_p[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)], 1e-15);
          ASSERT_NEAR(online.probabilities(t, k),
                      ref_online[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)], 1e-15);
        }
      }
      if (!continuous) {
        EXPECT_EQ(fit.states, ref["states"].get<std::vector<int>>());
      }
      const auto trace = ref["trace"].get<std::vector<double>>();
      ASSERT_EQ(trace.size(), fit.objective_trace.size());
      for (std::size_t i = 0; i < trace.size(); ++i)
        EXPECT_NEAR(fit.objective_trace[i], trace[i], 1e-10 * std::abs(trace[i]));
    }
  }
}

TEST(JumpModel, ObjectiveNeverIncreases) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const auto sim = simulate(600, 3, 2, 0.95, seed);
    for (bool continuous : {false, true}) {
      JumpModelConfig config{.n_states = 3,
                             .jump_penalty = 2.0 * static_cast<double>(seed),
                             .continuous = continuous,
                             .grid_size = 0.1,
                             .n_init = 1,
                             .tol = 0.0,
                             .seed = seed};
      // A poor start (three rows of the same regime) so the descent takes several steps.
      const Matrix init = sim.data.topRows(3);
      const auto fit = fit_from(sim.data, init, config);
      ASSERT_GE(fit.objective_trace.size(), 2u);
      for (std::size_t i = 1; i < fit.objective_trace.size(); ++i) {
        // Exact arithmetic gives <=; 1e-12 relative allows the rounding of two sums of 600 terms.
        EXPECT_LE(fit.objective_trace[i], fit.objective_trace[i - 1] * (1 + 1e-12))
            << "seed " << seed << " continuous " << continuous << " step " << i;
      }
      EXPECT_DOUBLE_EQ(fit.objective, fit.objective_trace.back());
      // The reported objective is the objective of the reported states and centroids.
      EXPECT_NEAR(objective(sim.data, fit.centers, fit.states, config), fit.objective,
                  1e-9 * fit.objective);
    }
  }
}

TEST(JumpModel, ZeroPenaltyIsLloydKMeans) {
  // With lambda = 0 the state step is the nearest-centroid assignment and the centroid step the
  // cluster mean: Lloyd's algorithm. From the same start, the same clustering as kmeans::fit_from.
  const auto sim = simulate(500, 3, 2, 0.5, 21);
  const Matrix init = kmeans::kmeans_plus_plus(sim.data, 3, 9);
  const auto jm = fit_from(sim.data, init, {.n_states = 3, .jump_penalty = 0.0, .tol = 0.0});
  const auto km = kmeans::fit_from(sim.data, init, {.n_clusters = 3, .max_iter = 1000, .tol = 0.0});
  EXPECT_EQ(jm.states, km.labels);
  EXPECT_NEAR(jm.objective, 0.5 * km.inertia,
              1e-9 * km.inertia);  // loss is half the squared distance
}

TEST(JumpModel, RecoversSimulatedRegimes) {
  // Two persistent regimes (stay 0.99) with means (0, 0) and (3, 3) under unit noise: the
  // nearest-centroid boundary misclassifies Phi(-3 sqrt(2) / 2) ~ 1.7% of rows; the penalty
  // removes most isolated errors, so > 99% after relabelling.
  const auto sim = simulate(2000, 2, 2, 0.99, 3);
  const auto fit0 = fit(sim.data, {.n_states = 2, .jump_penalty = 0.0, .seed = 1});
  const auto fit_penalised = fit(sim.data, {.n_states = 2, .jump_penalty = 20.0, .seed = 1});
  const double a0 = best_agreement(fit0.labels, sim.truth, 2);
  const double a1 = best_agreement(fit_penalised.labels, sim.truth, 2);
  EXPECT_GT(a1, 0.99);
  EXPECT_GT(a1, a0);  // the penalty helps on persistent regimes
  int switches = 0, true_switches = 0;
  for (std::size_t t = 1; t < sim.truth.size(); ++t) {
    switches += fit_penalised.labels[t] != fit_penalised.labels[t - 1];
    true_switches += sim.truth[t] != sim.truth[t - 1];
  }
  EXPECT_LE(std::abs(switches - true_switches), 4);
  // Online labels trail the smoothed ones a little, but still recover the regimes.
  const auto online =
      infer_online(sim.data, fit_penalised.centers, {.n_states = 2, .jump_penalty = 20.0});
  EXPECT_GT(best_agreement(online.labels, sim.truth, 2), 0.97);
  // The continuous model's argmax recovers them too.
  const auto cont =
      fit(sim.data, {.n_states = 2, .jump_penalty = 20.0, .continuous = true, .seed = 1});
  EXPECT_GT(best_agreement(cont.labels, sim.truth, 2), 0.99);
}

TEST(JumpModel, OnlineLabelsDoNotLookAhead) {
  const auto sim = simulate(800, 3, 2, 0.97, 8);
  for (bool continuous : {false, true}) {
    const JumpModelConfig config{
        .n_states = 3, .jump_penalty = 10.0, .continuous = continuous, .grid_size = 0.1};
    const auto model = fit(sim.data.topRows(400), config);
    const auto full = infer_online(sim.data, model.centers, config);
    for (int cut : {400, 555, 799}) {
      const auto part = infer_online(sim.data.topRows(cut + 1), model.centers, config);
      for (int t = 0; t <= cut; ++t) {
        ASSERT_EQ(part.states[static_cast<std::size_t>(t)],
                  full.states[static_cast<std::size_t>(t)])
            << t;
        // Bit for bit: the same vector, not merely close.
        ASSERT_TRUE((part.probabilities.row(t).array() == full.probabilities.row(t).array()).all())
            << t;
      }
    }
    // The smoothed path does use the future: somewhere it differs from the online one.
    const auto smoothed = infer_smoothed(sim.data, model.centers, config);
    EXPECT_NE(smoothed.states, full.states);
  }
}

TEST(JumpModel, TradableLabelsAreDelayed) {
  EXPECT_EQ(tradable_labels({0, 1, 1, 0}, 0), (std::vector<int>{0, 1, 1, 0}));
  EXPECT_EQ(tradable_labels({0, 1, 1, 0}, 1), (std::vector<int>{-1, 0, 1, 1}));
  EXPECT_EQ(tradable_labels({0, 1}, 3), (std::vector<int>{-1, -1}));
  EXPECT_THROW(tradable_labels({0}, -1), Error);
}

TEST(JumpModel, BadInputIsNamed) {
  const Matrix x = gaussian(5, 2, 1);
  try {
    fit(x, {.n_states = 2, .jump_penalty = -1.0});
    FAIL() << "negative lambda accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(testing::contains(e.what(), "jump_penalty")) << e.what();
  }
  try {
    fit(x, {.n_states = 6});
    FAIL() << "more states than rows accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(testing::contains(e.what(), "n_states")) << e.what();
    EXPECT_TRUE(testing::contains(e.what(), "5")) << e.what();
  }
  Matrix holes = x;
  holes(3, 1) = std::numeric_limits<double>::quiet_NaN();
  try {
    fit(holes, {.n_states = 2});
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_TRUE(testing::contains(e.what(), "row 3")) << e.what();
  }
  EXPECT_THROW(fit(x, {.n_states = 2, .n_init = 0}), Error);
  EXPECT_THROW(fit(x, {.n_states = 2, .jump_penalty = std::numeric_limits<double>::infinity()}),
               Error);
}

}  // namespace
}  // namespace mre::regimes::jump
