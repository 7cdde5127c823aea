// The 200-sample simulations (labelled slow in tests/CMakeLists.txt; CI runs them too):
// coverage of the 95% interval and the placebo's rejection rate.
#include <gtest/gtest.h>

#include "causal/simulate.h"
#include "mre/causal/dml.h"
#include "mre/causal/learners.h"

namespace mre::causal {
namespace {

using testdata::simulate;

TEST(DmlSlow, NinetyFivePercentIntervalsCoverTheTruthAtTheNominalRate) {
  const auto ols = make_regressor("ols");
  int covered = 0;
  const int samples = 200;
  for (int i = 0; i < samples; ++i) {
    const auto s = simulate(400, 1000 + static_cast<std::uint64_t>(i), 0.5, 0.5, 0.3);
    const auto r = dml_plr(s.X, s.t, s.y, *ols, *ols, {.folds = 5, .embargo = 1});
    covered += r.ci_low <= 0.5 && 0.5 <= r.ci_high;
  }
  // The band: 92-98% of 200 (binomial sd ~1.5 points around 95%).
  EXPECT_GE(covered, 184) << covered;
  EXPECT_LE(covered, 196) << covered;
}

TEST(DmlSlow, PlaceboWithNoEffectRejectsAtTheNominalRate) {
  const auto ols = make_regressor("ols");
  int rejected = 0;
  const int samples = 200;
  for (int i = 0; i < samples; ++i) {
    const auto s = simulate(300, 5000 + static_cast<std::uint64_t>(i), 0.0, 0.0, 0.3);
    rejected += dml_plr(s.X, s.t, s.y, *ols, *ols, {.folds = 5, .embargo = 1}).p_value < 0.05;
  }
  // 5% nominal: at most 9% of 200 (beyond 3 binomial sds would be a broken test).
  EXPECT_LE(rejected, 18) << rejected;
}

}  // namespace
}  // namespace mre::causal
