// Effect stability (causal/stability.h): the break test against statsmodels, a simulated break
// that must be found and a stable effect that must not be flagged.
#include "mre/causal/stability.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::causal {
namespace {

struct Residuals {
  Vector y;
  Vector t;
};

// y = theta_t t + e with theta = before until row `at`, then after; AR(1) errors (rho 0.3).
Residuals simulate(Eigen::Index n, Eigen::Index at, double before, double after,
                   std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  Residuals out{Vector(n), Vector(n)};
  double e = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    out.t(i) = z(rng);
    e = 0.3 * e + z(rng);
    out.y(i) = (i < at ? before : after) * out.t(i) + e;
  }
  return out;
}

TEST(Stability, BreakWaldAndSupWaldMatchStatsmodels) {
  const auto s = simulate(180, 120, 0.5, 0.1, 5);
  testing::TempDir dir;
  std::ostringstream csv;
  csv.precision(17);
  csv << "y,t\n";
  for (Eigen::Index i = 0; i < s.y.size(); ++i) csv << s.y(i) << "," << s.t(i) << "\n";
  testing::write_file(dir / "r.csv", csv.str());
  const int lag = 6;
  const Eigen::Index row = 100;
  const auto r =
      testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                         "/tests/monitor/reference_monitor.py break " + (dir / "r.csv").string() +
                         " " + std::to_string(row) + " " + std::to_string(lag));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  // 1e-8 (the bound): two least-squares and sandwich implementations agree to rounding.
  EXPECT_NEAR(break_wald(s.y, s.t, row, StandardError::kHac, lag), ref["wald_hac"].get<double>(),
              1e-8);
  EXPECT_NEAR(break_wald(s.y, s.t, row, StandardError::kHc0, 0), ref["wald_hc0"].get<double>(),
              1e-8);
  EXPECT_NEAR(break_wald(s.y, s.t, row, StandardError::kHc1, 0), ref["wald_hc1"].get<double>(),
              1e-8);
  const auto sup = sup_wald(s.y, s.t, StandardError::kHac, lag);
  EXPECT_NEAR(sup.statistic, ref["sup_wald"].get<double>(), 1e-8);
  EXPECT_EQ(sup.peak_row, ref["sup_row"].get<Eigen::Index>());
  EXPECT_EQ(sup.first_row, 27);  // floor(0.15 * 180)
  EXPECT_EQ(sup.last_row, 153);
}

TEST(Stability, FindsASimulatedBreakAndItsDate) {
  // theta 1.0 for 200 months, then 0 for 100: the recent interval excludes the full-sample
  // estimate (about 2/3), and the sup-Wald peaks near row 200.
  const auto s = simulate(300, 200, 1.0, 0.0, 7);
  const auto r =
      effect_stability(s.y, s.t, {.window = 120, .step = 12, .recent = 60, .hac_lag = 4});
  EXPECT_TRUE(r.recent_excludes_full);
  EXPECT_TRUE(r.break_test.reject_5);
  EXPECT_GT(r.break_test.statistic, kSupWald1);
  EXPECT_NEAR(static_cast<double>(r.break_test.break_row), 200.0,
              15.0);  // 15 rows: the peak's spread at this signal
  EXPECT_NEAR(r.full.effect, 2.0 / 3.0, 0.15);
  ASSERT_FALSE(r.rolling.empty());
  EXPECT_EQ(r.rolling.back().end, 300);
  EXPECT_EQ(r.rolling.front().end - r.rolling.front().begin, 120);
  EXPECT_EQ(r.recent.begin, 240);
}

TEST(Stability, StaysQuietOnAStableEffect) {
  const auto s = simulate(300, 300, 0.5, 0.5, 9);
  const auto r =
      effect_stability(s.y, s.t, {.window = 120, .step = 12, .recent = 60, .hac_lag = 4});
  EXPECT_FALSE(r.recent_excludes_full);
  EXPECT_FALSE(r.break_test.reject_5);
  EXPECT_NEAR(r.full.effect, 0.5, 0.15);
}

TEST(Stability, RecentWindowIsTheFinalStageOnTheLastRows) {
  // The recent estimate is the DML final stage (sum t y / sum t^2) on the last rows, by hand.
  const auto s = simulate(100, 100, 0.5, 0.5, 3);
  const auto r = effect_stability(s.y, s.t, {.window = 40, .step = 10, .recent = 30, .hac_lag = 2});
  const double theta = s.t.tail(30).dot(s.y.tail(30)) / s.t.tail(30).squaredNorm();
  EXPECT_NEAR(r.recent.effect, theta, 1e-12);
  EXPECT_EQ(r.rolling.size(), 7u);  // ends 100, 90, ..., 40
}

TEST(Stability, RefusesAWindowLongerThanTheDataAndBadSettings) {
  const auto s = simulate(50, 50, 0.5, 0.5, 1);
  EXPECT_THROW(effect_stability(s.y, s.t, {.window = 120}), Error);
  try {
    effect_stability(s.y, s.t, {.window = 120});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("fewer than the window"), std::string::npos) << e.what();
  }
  EXPECT_THROW(effect_stability(s.y, s.t, {.window = 20, .step = 0, .recent = 20}), Error);
  EXPECT_THROW(effect_stability(s.y, s.t, {.window = 5, .recent = 20}), Error);
}

}  // namespace
}  // namespace mre::causal
