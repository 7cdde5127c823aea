// The placebo and robustness kernels moved out of workflows/effects.cc (issue 23): the block
// permutation is a permutation that keeps blocks whole; the placebos on simulated data with a
// known answer (a treatment unrelated to the outcome once permuted, an i.i.d. outcome the
// treatment cannot have caused before it, and a treatment that moves its own month, which the
// pre-treatment window must not contain); the robustness judgement on hand-made checks.
#include "mre/causal/placebo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

#include "mre/causal/inference.h"
#include "mre/causal/learners.h"
#include "mre/causal/robustness.h"
#include "mre/core/error.h"

namespace mre::causal {
namespace {

// n consecutive month-ends from 2000-01.
std::vector<Date> months(Eigen::Index n) {
  std::vector<Date> out;
  for (Eigen::Index i = 0; i < n; ++i)
    out.push_back(Date::from_ymd(2000 + static_cast<int>(i / 12), 1 + static_cast<int>(i % 12), 1)
                      .end_of_month());
  return out;
}

// A treatment that moves the outcome within its own month: monthly changes r_u = 0.5 t_u + e_u,
// t and e i.i.d. N(0, 1); row v's outcome is the h months after it, r_{v+1} + ... + r_{v+h}, as
// the effects panel builds it, and its control is last month's change r_{v-1}, dated before the
// window. Returns (t, X, y) of n rows.
struct OwnMonthPanel {
  Vector t;
  Matrix X;
  Vector y;
};
OwnMonthPanel own_month_panel(std::mt19937_64& rng, Eigen::Index n, int h) {
  std::normal_distribution<double> z;
  OwnMonthPanel p{Vector(n), Matrix(n, 1), Vector(n)};
  Vector r(n + h);
  for (Eigen::Index u = 0; u < n + h; ++u) {
    const double shock = z(rng);
    if (u < n) p.t(u) = shock;
    r(u) = 0.5 * shock + z(rng);
  }
  for (Eigen::Index v = 0; v < n; ++v) {
    p.X(v, 0) = v > 0 ? r(v - 1) : 0.0;
    p.y(v) = r.segment(v + 1, h).sum();
  }
  return p;
}

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
      dml_placebos(X, t, y, months(n), candidates, options,
                   {.block = 12, .horizon = 1, .magnitude = 2.0}, [&] { ++checkpoints; });
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
  EXPECT_EQ(dml_placebos(X.topRows(40), t.head(40), y.head(40), months(40), candidates, options,
                         {.horizon = 15})
                .size(),
            1u);
  // One date per row, or a clear error.
  EXPECT_THROW(dml_placebos(X, t, y, months(n - 1), candidates, options, {}), Error);
  // A checkpoint that throws (a cancelled request) propagates; a failed fit does not.
  EXPECT_THROW(dml_placebos(X, t, y, months(n), candidates, options, {},
                            [] { throw Error(ErrorCode::kIoError, "cancelled"); }),
               Error);
}

TEST(Placebo, PreTreatmentPairsMatchCalendarMonthsAcrossGapsAndYearEnds) {
  // Months 2000-01..2000-10 without 2000-06 (a panel skips a month with a missing value), h = 1:
  // month v pairs with month v + 2, so no pair crosses the gap by position.
  std::vector<Date> m;
  for (const int month : {1, 2, 3, 4, 5, 7, 8, 9, 10}) m.push_back(Date::from_ymd(2000, month, 28));
  using Pairs = std::vector<std::pair<Eigen::Index, Eigen::Index>>;
  EXPECT_EQ(pre_treatment_pairs(m, 1), (Pairs{{0, 2}, {1, 3}, {2, 4}, {4, 5}, {5, 7}, {6, 8}}));
  EXPECT_EQ(pre_treatment_pairs(m, 3),
            (Pairs{{0, 4}, {2, 5}, {3, 6}, {4, 7}}));  // 2000-02 -> 2000-06 missing
  // Across a year end: 2000-11 with h = 1 pairs with 2001-01.
  EXPECT_EQ(pre_treatment_pairs({Date::from_ymd(2000, 11, 30), Date::from_ymd(2001, 1, 31)}, 1),
            (Pairs{{0, 1}}));
  // Two rows in one month: not a monthly panel, no pairs.
  EXPECT_TRUE(
      pre_treatment_pairs(
          {Date::from_ymd(2000, 1, 3), Date::from_ymd(2000, 1, 4), Date::from_ymd(2000, 3, 1)}, 1)
          .empty());
}

TEST(Placebo, ThePreTreatmentWindowEndsBeforeTheTreatmentsOwnMonth) {
  // A treatment that moves the outcome within its own month: monthly changes r_u = 0.5 t_u + e_u,
  // t and e i.i.d. N(0, 1); row v's outcome is the h = 3 months after it, r_{v+1} + r_{v+2} +
  // r_{v+3}, as the effects panel builds it. Pairing row v's outcome with the treatment of month
  // v + h (a shift of h rows) puts the treatment's own month inside the window and finds ~0.5;
  // the pre-treatment placebo pairs it with month v + h + 1 and must find nothing.
  // Tolerance: the placebo's standard error is about sqrt(3 * 1.25 / 600) = 0.08, so 0.3 is
  // almost 4 of them.
  std::mt19937_64 rng(23);
  const Eigen::Index n = 600;
  const int h = 3;
  const auto [t, X, y] = own_month_panel(rng, n, h);
  const auto ols = make_regressor("ols");
  const std::vector<const Regressor*> candidates{ols.get()};
  const DmlOptions options{.folds = 5, .embargo = h, .time_series = true, .hac_lag = h + 1};
  // The shift by h rows (the window holds the treatment's month) finds the contemporaneous
  // effect: what made the placebo reject on real surprises that move prices on the day.
  const auto shifted =
      dml_plr_select(X.bottomRows(n - h), t.tail(n - h), y.head(n - h), candidates, options);
  EXPECT_GT(shifted.theta, 0.3);
  EXPECT_LT(shifted.p_value, 1e-4);
  const auto placebos = dml_placebos(X, t, y, months(n), candidates, options, {.horizon = h});
  ASSERT_EQ(placebos.size(), 2u);
  EXPECT_EQ(placebos[1].kind, "pre_treatment_outcome");
  EXPECT_LT(std::abs(placebos[1].effect), 0.3);
  EXPECT_GT(placebos[1].p_value, 1e-3);
  // It is the DML estimate on the pairs (row v; month v + h + 1), computed here directly.
  const Eigen::Index m = n - h - 1;
  const auto direct = dml_plr_select(X.topRows(m), t.tail(m), y.head(m), candidates, options);
  EXPECT_DOUBLE_EQ(placebos[1].effect, direct.theta);
}

TEST(Placebo, PreTreatmentPlaceboHoldsItsSizeWhereTheTreatmentMovesItsOwnMonth) {
  // The case of the bug fixed on 2026-12-07, over many samples: monthly changes r_u = 0.5 t_u +
  // e_u (the treatment moves its own month, as an FOMC surprise moves prices on the day), t and e
  // i.i.d. N(0, 1), h = 3-month outcomes r_{v+1} + r_{v+2} + r_{v+3}, a control dated before
  // each window, the grid's default errors (EWC on HC3 scores). Nothing before month u depends
  // on t_u, so the pre-treatment placebo should reject at about 5%; pairing by a shift of h rows
  // (the treatment's month inside the window) rejects almost always. 200 samples of 300 months:
  // the 95% band of a 5% rate is about 2-8%; 1-9% leaves room for the errors' own small-sample
  // bias without letting a broken pairing (~100%) or a degenerate one (0%) through.
  std::mt19937_64 rng(2026);
  const Eigen::Index n = 300;
  const int h = 3;
  const auto ols = make_regressor("ols");
  const std::vector<const Regressor*> candidates{ols.get()};
  const DmlOptions options{
      .folds = 5, .embargo = h, .time_series = true, .se = StandardError::kEwcHc3};
  int fixed = 0, shifted = 0;
  const int samples = 200;
  for (int sample = 0; sample < samples; ++sample) {
    const auto [t, X, y] = own_month_panel(rng, n, h);
    const auto placebos =
        dml_placebos(X, t, y, months(n), candidates, options, {.horizon = h, .seed = 7});
    ASSERT_EQ(placebos.size(), 2u);
    fixed += placebos[1].p_value < 0.05;
    shifted +=
        dml_plr_select(X.bottomRows(n - h), t.tail(n - h), y.head(n - h), candidates, options)
            .p_value < 0.05;
  }
  const double rate = static_cast<double>(fixed) / samples;
  std::cout << "pre-treatment placebo rejections at 5%: " << fixed << " of " << samples
            << "; shifted by h rows: " << shifted << "\n";
  EXPECT_GE(rate, 0.01);
  EXPECT_LE(rate, 0.09);
  EXPECT_GE(shifted, samples * 9 / 10);
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

// A check whose nuisances predict worse than the constant baseline still counts in the verdict
// (the caution stands), and the reason names it, so a reader knows which disagreement that is.
TEST(Robustness, ChecksWithNuisancesBelowTheBaselineCountAndAreNamed) {
  RobustnessCheck estimate{.method = "dml:auto", .effect = 0.02, .p_value = 0.6};
  RobustnessCheck ols{.method = "dml:ols",
                      .effect = -0.85,
                      .p_value = 1e-50,
                      .r2_outcome = -5e8,
                      .r2_treatment = -3e8,
                      .below_baseline = true};
  RobustnessCheck ridge{.method = "dml:ridge",
                        .effect = 0.01,
                        .p_value = 0.7,
                        .r2_outcome = -0.08,
                        .r2_treatment = -0.02,
                        .below_baseline = true};
  auto r = judge_robustness({estimate, ols, ridge});
  EXPECT_TRUE(r.fragile);
  EXPECT_EQ(r.reason,
            "the sign differs: positive under dml:auto, dml:ridge, negative under dml:ols; "
            "significant at 5% under dml:ols but not under dml:auto, dml:ridge; the nuisances of "
            "dml:ols, dml:ridge predict worse than a constant out of fold");
  r = judge_robustness({estimate, ridge});
  EXPECT_FALSE(r.fragile);
  EXPECT_EQ(r.reason,
            "the same sign and no significance under every check (dml:auto, dml:ridge); the "
            "nuisances of dml:ridge predict worse than a constant out of fold");
}

}  // namespace
}  // namespace mre::causal
