// `mre effects estimate --uncertainty` (issue 24): the response gains `prediction_interval` with
// its meaning only when asked (the default output is unchanged), bad settings exit 1 naming them,
// and a build without LibTorch refuses the neural scale with exit 5 naming it.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "support/test_support.h"

namespace mre {
namespace {

using testing::contains;
using testing::run_mre;
using testing::TempDir;

// y = 0.7 t + x1 + sd(x2) e with sd(x2) = 0.1 + 1 / (1 + exp(-10 x2)), t = 0.6 x1 + v.
std::string heteroscedastic_csv(int n) {
  std::mt19937_64 rng(24);
  std::normal_distribution<double> z;
  std::ostringstream out;
  out.precision(17);
  out << "date,ret,shock,x1,x2\n";
  for (int i = 0; i < n; ++i) {
    const double x1 = z(rng);
    const double x2 = z(rng);
    const double t = 0.6 * x1 + z(rng);
    const double y = 0.7 * t + x1 + (0.1 + 1.0 / (1.0 + std::exp(-10.0 * x2))) * z(rng);
    out << 1990 + i / 12 << "-" << (i % 12 < 9 ? "0" : "") << 1 + i % 12 << "-01," << y << "," << t
        << "," << x1 << "," << x2 << "\n";
  }
  return out.str();
}

std::vector<std::string> args(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> a{
      "effects",       "estimate", "--data",          (dir / "d.csv").string(),
      "--outcome-col", "ret",      "--treatment-col", "shock",
      "--controls",    "x1,x2",    "--learner",       "ols"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(EffectsUncertaintyCli, TheIntervalIsOptInAndStatesItsMeaning) {
  TempDir dir;
  testing::write_file(dir / "d.csv", heteroscedastic_csv(300));
  const auto plain = run_mre(args(dir, {}));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(contains(plain.out, "prediction_interval")) << plain.out;
  const auto constant = run_mre(args(dir, {"--uncertainty", "constant"}));
  ASSERT_EQ(constant.exit_code, 0) << constant.err;
  const auto c = nlohmann::json::parse(constant.out)["causal_analysis"];
  ASSERT_TRUE(c.contains("prediction_interval")) << constant.out;
  EXPECT_EQ(c["prediction_interval"]["scale"], "constant");
  EXPECT_EQ(c["prediction_interval"]["level"], 0.9);
  // The standard error is still the `uncertainty` beside it.
  EXPECT_EQ(c["uncertainty"], nlohmann::json::parse(plain.out)["causal_analysis"]["uncertainty"]);
  EXPECT_TRUE(contains(c["prediction_interval_meaning"].get<std::string>(),
                       "not an interval for the effect"));
  const auto neural = run_mre(args(dir, {"--uncertainty", "neural", "--threads", "1"}));
#ifdef MRE_TORCH_BUILD
  ASSERT_EQ(neural.exit_code, 0) << neural.err;
  const auto n = nlohmann::json::parse(neural.out)["causal_analysis"]["prediction_interval"];
  EXPECT_EQ(n["scale"], "neural");
  EXPECT_EQ(n["networks"], 5 + 3);
  const double low = n["interval"][0].get<double>();
  const double high = n["interval"][1].get<double>();
  EXPECT_LT(low, n["prediction"].get<double>());
  EXPECT_GT(high, n["prediction"].get<double>());
  // The same seed and thread count: the same bytes.
  EXPECT_EQ(run_mre(args(dir, {"--uncertainty", "neural", "--threads", "1"})).out, neural.out);
#else
  EXPECT_EQ(neural.exit_code, 5) << neural.err;
  EXPECT_TRUE(contains(neural.err, "LibTorch")) << neural.err;
#endif
}

TEST(EffectsUncertaintyCli, BadSettingsExitOneNamingThem) {
  TempDir dir;
  testing::write_file(dir / "d.csv", heteroscedastic_csv(300));
  const auto level =
      run_mre(args(dir, {"--uncertainty", "constant", "--uncertainty-level", "1.5"}));
  EXPECT_EQ(level.exit_code, 1) << level.err;
  EXPECT_TRUE(contains(level.err, "level")) << level.err;
  const auto x = run_mre(args(dir, {"--uncertainty", "constant", "--method", "xlearner"}));
  EXPECT_EQ(x.exit_code, 1) << x.err;
  EXPECT_TRUE(contains(x.err, "--uncertainty")) << x.err;
  // 60 calibration rows (the last of 5 folds of 300) are too few for 99%.
  const auto few = run_mre(args(dir, {"--uncertainty", "constant", "--uncertainty-level", "0.99"}));
  EXPECT_EQ(few.exit_code, 2) << few.err;
  EXPECT_TRUE(contains(few.err, "calibration")) << few.err;
}

}  // namespace
}  // namespace mre
