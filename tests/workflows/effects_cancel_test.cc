// Cooperative cancellation of an effect estimate (issue 26 case 9): a stopped token ends
// estimate_effect with IoError "cancelled"; a token never stopped changes nothing.
#include <gtest/gtest.h>

#include <random>
#include <stop_token>

#include "mre/core/error.h"
#include "mre/workflows/effects.h"

namespace mre::workflows {
namespace {

// y = 0.5 t + 0.3 x + noise over 240 months (simulated; the estimate itself is tested elsewhere).
EffectsPanel panel() {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> z;
  EffectsPanel p;
  const int n = 240;
  p.t.resize(n);
  p.y.resize(n);
  p.X.resize(n, 1);
  for (int i = 0; i < n; ++i) {
    p.X(i, 0) = z(rng);
    p.t(i) = 0.6 * p.X(i, 0) + z(rng);
    p.y(i) = 0.5 * p.t(i) + 0.3 * p.X(i, 0) + z(rng);
    p.dates.push_back(Date::from_ymd(2000 + i / 12, 1 + i % 12, 1));
  }
  p.control_names = {"x"};
  return p;
}

EffectsSpec spec() {
  EffectsSpec s;
  s.learner = "ridge";
  s.folds = 5;
  return s;
}

TEST(EffectsCancel, ATokenNeverStoppedChangesNothing) {
  EffectQuery q{.treatment = "t", .outcome = "y", .horizon = 1};
  const auto a = estimate_effect(panel(), q, spec());
  std::stop_source source;
  q.stop = source.get_token();
  const auto b = estimate_effect(panel(), q, spec());
  // Not a vacuous comparison: the fit ran (0.5 is the simulated effect; 0.2 is several
  // standard errors at n = 240) and both placebos were estimated.
  EXPECT_NEAR(a.dml.theta, 0.5, 0.2);
  EXPECT_EQ(a.placebos.size(), 2u);
  EXPECT_EQ(a.dml.theta, b.dml.theta);
  EXPECT_EQ(a.dml.ci_low, b.dml.ci_low);
  ASSERT_EQ(a.placebos.size(), b.placebos.size());
  for (std::size_t i = 0; i < a.placebos.size(); ++i)
    EXPECT_EQ(a.placebos[i].effect, b.placebos[i].effect);
}

TEST(EffectsCancel, AStoppedTokenThrowsCancelled) {
  std::stop_source source;
  source.request_stop();
  EffectQuery q{.treatment = "t", .outcome = "y", .horizon = 1};
  q.stop = source.get_token();
  try {
    estimate_effect(panel(), q, spec());
    FAIL() << "a stopped estimate returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mre::workflows
