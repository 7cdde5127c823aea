// Issue 17's simulations (labelled slow): local-projection band coverage on a known impulse
// response, and learner selection on the 10k nonlinear fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <vector>

#include "mre/causal/dml.h"
#include "mre/causal/learners.h"
#include "mre/causal/local_projection.h"
#include "mre/causal/surrogates.h"

namespace mre::causal {
namespace {

TEST(LocalProjectionSlow, NinetyFivePercentBandsCoverTheTrueImpulseResponse) {
  // y_t = 0.8 y_{t-1} + 0.5 shock_t + e_t, shock i.i.d.: the response at h is 0.5 * 0.8^h.
  // Lag-augmented LP: the dynamics need one lag, the projection uses two; HC1 errors.
  const int samples = 200;
  const Eigen::Index n = 400;
  int covered = 0;
  int total = 0;
  for (int s = 0; s < samples; ++s) {
    std::mt19937_64 rng(7000 + static_cast<std::uint64_t>(s));
    std::normal_distribution<double> z;
    Vector y(n);
    Vector shock(n);
    double level = 0.0;
    for (Eigen::Index t = 0; t < n; ++t) {
      shock(t) = z(rng);
      level = 0.8 * level + 0.5 * shock(t) + z(rng);
      y(t) = level;
    }
    const auto fit = local_projection(
        y, shock, Matrix(n, 0),
        {.horizons = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, .lags = 2, .cumulative = false});
    for (const auto& p : fit.points) {
      const double truth = 0.5 * std::pow(0.8, p.horizon);
      covered += p.ci_low <= truth && truth <= p.ci_high;
      ++total;
    }
  }
  const double rate = static_cast<double>(covered) / total;
  std::cout << "LP band coverage: " << covered << " of " << total << "\n";
  // The band: 92-98% of the 13 x 200 horizon-samples.
  EXPECT_GE(rate, 0.92) << covered << " of " << total;
  EXPECT_LE(rate, 0.98) << covered << " of " << total;
}

// NOT MET (measured 2026-12-06): selection chooses the forest for both nuisances (out-of-fold
// R^2 0.766 and 0.653 against ceilings of 0.78 and 0.67), but theta = 0.5301 (se 0.0106):
// |theta - 0.5| = 0.0301 > 0.03. The forests flatten x0^2 in the tails in the same direction for
// both nuisances, a product-of-errors bias of ~3 se that neither depth 6 nor depth 10 removes.
// Disabled rather than loosened, so the bound stays written here; run it with
// --gtest_also_run_disabled_tests. Why (2026-12-06, docs/effects.md): this sample's estimate with
// the TRUE nuisances is 0.5250 (seeds 9-12 of the same DGP: 0.4866, 0.4916, 0.5011, 0.5152), so the
// bound leaves 0.005 for the forest; depth 6 adds +0.002..+0.007 on every seed, fully grown trees
// track the oracle within 0.004 but lose the out-of-fold R^2 comparison (0.750 vs 0.766), 500 trees
// change nothing, p/3 columns per split make it worse. Retuning on this seed would be fitting the
// test. Tried again (2026-12-06, figures in docs/effects.md): repeated cross-fitting (median of 10
// shuffled splits) 0.5319, 10 folds 0.5309, a depth x leaf grid chosen by out-of-fold R^2 picks
// depth 6 again (0.5301), 300 trees 0.5306, a local linear forest loses the R^2 comparison
// (own estimate 0.5311). None adopted; the bound stays. The part the estimator controls (how far
// the learned nuisances move the estimate from the true nuisances' on the same rows) is tested,
// enabled, by the next test.
TEST(LearnerSelectionSlow,
     DISABLED_ChosenForestNuisancesRecoverTheEffectOnTheTenThousandRowNonlinearFixture) {
  // The nonlinear fixture of Dml.ForestNuisancesRemoveNonlinearConfounding at n = 10,000: t and y
  // depend on x0^2, theta = 0.5. Selection among constant, OLS, ridge and the two forests must
  // choose the forest for both nuisances, and then |theta - 0.5| <= 0.03 (the bound).
  std::mt19937_64 rng(8);
  std::normal_distribution<double> z;
  const Eigen::Index n = 10000;
  Matrix X(n, 3);
  Vector t(n);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = z(rng);
    const double confound = X(i, 0) * X(i, 0);
    t(i) = confound + z(rng);
    y(i) = 0.5 * t(i) + confound + z(rng);
  }
  std::vector<std::unique_ptr<Regressor>> owned;
  for (const auto* name : {"constant", "ols", "ridge", "forest", "forest_deep"})
    owned.push_back(make_regressor(name));
  std::vector<const Regressor*> candidates;
  for (const auto& l : owned) candidates.push_back(l.get());
  const auto r = dml_plr_select(X, t, y, candidates, {.folds = 5, .embargo = 0});
  EXPECT_EQ(r.outcome_learner.substr(0, 6), "forest") << r.outcome_learner;
  EXPECT_EQ(r.treatment_learner.substr(0, 6), "forest") << r.treatment_learner;
  for (const auto& c : r.candidates) {
    std::cout << c.learner << " oof r2 y " << c.r2_outcome << " t " << c.r2_treatment << "\n";
  }
  std::cout << "theta " << r.theta << " se " << r.se << "\n";
  EXPECT_LE(std::abs(r.theta - 0.5), 0.03) << r.theta << " se " << r.se;
  EXPECT_TRUE(r.warnings.empty());
}

// What the disabled test above cannot separate: the fixture's own sampling error (its estimate
// with the TRUE nuisances is 0.525) from the error the learned nuisances add. DML's promise
// (Chernozhukov et al. 2018, Theorem 4.1) is that the learned nuisances change the estimate by
// less than its sampling error: the chosen forests' estimate must lie within one of its own
// standard errors of the estimate from the true nuisances on the same rows, on the fixture's draw
// and the four draws after it (seeds 8-12, the draws docs/effects.md tabulates). The bound is
// the DML first-order claim, not a figure read off these draws; it fails for nuisances that do
// not remove the confounding (OLS: 0.67 from the oracle, checked below).
TEST(LearnerSelectionSlow,
     ChosenForestNuisancesMoveTheEstimateLessThanOneStandardErrorFromTheTrueNuisances) {
  std::vector<std::unique_ptr<Regressor>> owned;
  for (const auto* name : {"constant", "ols", "ridge", "forest", "forest_deep"})
    owned.push_back(make_regressor(name));
  std::vector<const Regressor*> candidates;
  for (const auto& l : owned) candidates.push_back(l.get());
  for (std::uint64_t seed = 8; seed <= 12; ++seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> z;
    const Eigen::Index n = 10000;
    Matrix X(n, 3);
    Vector t(n);
    Vector y(n);
    Vector t_residual(n);  // t - E[t | x] = t - x0^2
    Vector y_residual(n);  // y - E[y | x] = y - 1.5 x0^2
    for (Eigen::Index i = 0; i < n; ++i) {
      for (int j = 0; j < 3; ++j) X(i, j) = z(rng);
      const double confound = X(i, 0) * X(i, 0);
      t(i) = confound + z(rng);
      y(i) = 0.5 * t(i) + confound + z(rng);
      t_residual(i) = t(i) - confound;
      y_residual(i) = y(i) - 1.5 * confound;
    }
    const double oracle = t_residual.dot(y_residual) / t_residual.squaredNorm();
    const auto r = dml_plr_select(X, t, y, candidates, {.folds = 5, .embargo = 0});
    std::cout << "seed " << seed << ": oracle " << oracle << ", chosen " << r.outcome_learner << "/"
              << r.treatment_learner << " theta " << r.theta << " se " << r.se << "\n";
    EXPECT_EQ(r.outcome_learner.substr(0, 6), "forest") << "seed " << seed;
    EXPECT_EQ(r.treatment_learner.substr(0, 6), "forest") << "seed " << seed;
    EXPECT_LE(std::abs(r.theta - oracle), r.se) << "seed " << seed << ": " << r.theta;
    for (const auto& c : r.candidates) {
      if (c.learner == "ols") {
        EXPECT_GT(std::abs(c.theta - oracle), r.se) << "seed " << seed;
      }
    }
  }
}

}  // namespace
}  // namespace mre::causal

namespace mre::causal {
namespace {

// No effect, a persistent treatment (AR(1), phi = 0.9) and overlapping 3-month outcomes: the
// case where naive errors over-reject. The HC0 t-test's own p-value rejects far too often; the
// same statistic judged against stationary-block-bootstrap surrogates of the treatment rejects
// at the nominal rate.
TEST(CalibrationSlow, SurrogatesRejectAtTheNominalRateWhereHc0OverRejects) {
  const int samples = 200;
  const int surrogates = 99;
  const Eigen::Index n = 300;
  int naive = 0;
  int calibrated = 0;
  const auto t_stat = [](const Vector& t, const Vector& y) {
    Matrix X(t.size(), 2);
    X.col(0).setOnes();
    X.col(1) = t;
    const auto fit = ols_with_covariance(X, y, StandardError::kHc0, 0);
    return fit.coefficients(1) / std::sqrt(fit.covariance(1, 1));
  };
  for (int s = 0; s < samples; ++s) {
    std::mt19937_64 rng(9000 + static_cast<std::uint64_t>(s));
    std::normal_distribution<double> z;
    Vector t(n);
    Vector e(n + 3);
    double level = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) t(i) = level = 0.9 * level + z(rng);
    for (auto& v : e) v = z(rng);
    // y_t = e_{t+1} + e_{t+2} + e_{t+3}: a 3-month outcome, overlapping, with a persistent part
    // (an AR(1) of its own, phi = 0.9, independent of t).
    Vector y(n);
    double drift = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      drift = 0.9 * drift + z(rng);
      y(i) = e(i + 1) + e(i + 2) + e(i + 3) + drift;
    }
    const double observed = t_stat(t, y);
    naive += two_sided_p(observed) < 0.05;
    std::vector<double> null;
    for (int k = 0; k < surrogates; ++k) {
      null.push_back(
          t_stat(stationary_block_bootstrap(
                     t, 20.0,
                     100000 + 1000 * static_cast<std::uint64_t>(s) + static_cast<std::uint64_t>(k)),
                 y));
    }
    calibrated += surrogate_p_value(observed, null) <= 0.05;
  }
  std::cout << "HC0 rejections " << naive << " of " << samples << ", surrogate rejections "
            << calibrated << "\n";
  // The band for the surrogate test: 3-7% of 200 (6 to 14).
  EXPECT_GE(calibrated, 6);
  EXPECT_LE(calibrated, 14);
  // And HC0 alone over-rejects (so this test can fail): more than twice the nominal 5%.
  EXPECT_GT(naive, 20);
}

}  // namespace
}  // namespace mre::causal
