// The placebo and robustness kernels moved out of workflows/effects.cc (issue 23): the block
// permutation is a permutation that keeps blocks whole; the placebos on simulated data with a
// known answer (a treatment unrelated to the outcome once permuted, an i.i.d. outcome the
// treatment cannot have caused before it); the robustness judgement on hand-made checks.
#include "mre/causal/placebo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "mre/causal/learners.h"
#include "mre/causal/robustness.h"
#include "mre/core/error.h"

namespace mre::causal {
namespace {

TEST(Placebo, BlockPermutationKeepsEveryBlockWholeAndIsSeeded) {
  Vector t(11);
  for (Eigen::Index i = 0; i < t.size(); ++i) t(i) = static_cast<double>(i);
  const Vector p = block_permuted(t, 3, 7);
  // A permutation of 0..10 ...
  std::vector<double> sorted(p.data(), p.data() + p.size());
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(sorted[i], static_cast<double>(i));
  // ... in which every block {0,1,2}, {3,4,5}, {6,7,8}, {9,10} stays consecutive and in order.
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    const auto v = static_cast<int>(p(i));
    if (v % 3 != 0 && v != 10) {
      ASSERT_LT(i + 1, p.size());
      EXPECT_EQ(p(i + 1), v + 1.0) << "block broken at " << i;
    }
  }
  EXPECT_EQ(block_permuted(t, 3, 7), p);                        // the same seed, the same order
  EXPECT_EQ(block_permuted(t, 0, 7), block_permuted(t, 1, 7));  // a block below 1 is 1
}

TEST(Placebo, OnSimulatedDataThePlacebosFindNothingWhereTheEffectIsReal) {
  // y = 0.7 t + x - 0.5 x2 + e, i.i.d.: the estimate is 0.7, while the permuted treatment and
  // the pre-treatment outcome are unrelated to t. Tolerance: 4 standard errors of 400 rows
  // (a placebo's SE here is about 0.05; |effect| < 0.25 fails with probability < 1e-4).
  std::mt19937_64 rng(11);
  std::normal_distribution<double> z;
  const Eigen::Index n = 400;
  Matrix X(n, 2);
  Vector t(n), y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = z(rng);
    X(i, 1) = z(rng);
    t(i) = 0.6 * X(i, 0) + z(rng);
    y(i) = 0.7 * t(i) + X(i, 0) - 0.5 * X(i, 1) + z(rng);
  }
  const auto ols = make_regressor("ols");
  const std::vector<const Regressor*> candidates{ols.get()};
  const DmlOptions options{.folds = 5, .embargo = 1, .time_series = true};
  int checkpoints = 0;
  const auto placebos =
      dml_placebos(X, t, y, candidates, options, {.block = 12, .horizon = 1, .magnitude = 2.0},
                   [&] { ++checkpoints; });
  ASSERT_EQ(placebos.size(), 2u);
  EXPECT_EQ(checkpoints, 2);
  EXPECT_EQ(placebos[0].kind, "permuted_treatment");
  EXPECT_EQ(placebos[1].kind, "pre_treatment_outcome");
  for (const auto& p : placebos) {
    EXPECT_LT(std::abs(p.effect), 2.0 * 0.25) << p.kind;  // reported per magnitude 2
    EXPECT_GT(p.p_value, 1e-4) << p.kind;
  }
  // The permuted placebo is the DML estimate on the permuted treatment, times the magnitude.
  const auto direct = dml_plr_select(X, block_permuted(t, 12, 7), y, candidates, options);
  EXPECT_DOUBLE_EQ(placebos[0].effect, 2.0 * direct.theta);
  // Too short for the pre-treatment outcome (n <= 2h + 10): the permuted placebo alone.
  EXPECT_EQ(
      dml_placebos(X.topRows(40), t.head(40), y.head(40), candidates, options, {.horizon = 15})
          .size(),
      1u);
  // A checkpoint that throws (a cancelled request) propagates; a failed fit does not.
  EXPECT_THROW(dml_placebos(X, t, y, candidates, options, {},
                            [] { throw Error(ErrorCode::kIoError, "cancelled"); }),
               Error);
}

TEST(Robustness, JudgedBySignAndSignificanceLeavingOutFailedChecks) {
  const auto nan = std::nan("");
  auto robust =
      judge_robustness({{"a", 0.5, 0.01, ""}, {"b", 0.4, 0.03, ""}, {"c", nan, nan, "no data"}});
  EXPECT_FALSE(robust.fragile);
  EXPECT_EQ(robust.reason, "the same sign and significance at 5% under every check (a, b)");
  EXPECT_EQ(robust.checks.size(), 3u);
  robust = judge_robustness({{"a", 0.5, 0.01, ""}, {"b", -0.1, 0.40, ""}});
  EXPECT_TRUE(robust.fragile);
  EXPECT_EQ(robust.reason,
            "the sign differs: positive under a, negative under b; significant at 5% under a but "
            "not under b");
  robust = judge_robustness({{"a", 0.5, 0.20, ""}, {"b", 0.1, 0.40, ""}});
  EXPECT_FALSE(robust.fragile);
  EXPECT_EQ(robust.reason, "the same sign and no significance under every check (a, b)");
  EXPECT_EQ(judge_robustness({{"a", nan, nan, "failed"}}).reason, "no check could be computed");
}

}  // namespace
}  // namespace mre::causal
