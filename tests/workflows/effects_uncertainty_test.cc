// `effects estimate --uncertainty` (workflows/effects_uncertainty.h) on a simulated panel with a
// known heteroscedastic outcome: y = 0.5 t + x0 + sd(x1) e, t = 0.6 x0 + v, sd(x1) = 0.1 +
// 1 / (1 + exp(-10 x1)). The point prediction is the DML's own out-of-fold fit (the nuisances
// refitted as its last fold fitted them); the rolling out-of-sample check covers about 90% and
// the neural intervals are narrower than the constant-variance ones; the response carries the
// interval only when asked; bad settings are refused naming them.
#include "mre/workflows/effects_uncertainty.h"

#include <gtest/gtest.h>

#include <Eigen/QR>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "mre/core/date.h"
#include "mre/core/error.h"
#include "mre/scm/random.h"

namespace mre::workflows {
namespace {

EffectsPanel simulated_panel(int n) {
  scm::PathRandom rng(24, 0);
  EffectsPanel p;
  p.X.resize(n, 3);
  p.t.resize(n);
  p.y.resize(n);
  p.control_names = {"x0", "x1", "x2"};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) p.X(i, j) = rng.normal();
    p.t(i) = 0.6 * p.X(i, 0) + rng.normal();
    const double sd = 0.1 + 1.0 / (1.0 + std::exp(-10.0 * p.X(i, 1)));
    p.y(i) = 0.5 * p.t(i) + p.X(i, 0) + sd * rng.normal();
    p.dates.push_back(Date::from_ymd(1990, 1, 1).add_months(i));
  }
  return p;
}

EffectEstimate estimate(double magnitude) {
  EffectsSpec spec;
  EffectQuery q;
  q.treatment = "t";
  q.outcome = "y";
  q.horizon = 1;
  q.learner = "ols";
  q.folds = 5;
  q.embargo = 0;
  q.placebos = false;
  q.magnitude = magnitude;
  return estimate_effect(simulated_panel(1000), q, spec);
}

EffectUncertaintyOptions options() {
  EffectUncertaintyOptions o;
  o.network.seed = 3;
  o.network.threads = 1;
  return o;
}

TEST(EffectUncertainty, PredictsWithTheDmlsLastFoldAndCalibratesOnTheLastBlock) {
  // At the newest row's own treatment the prediction is that row's out-of-fold DML fit,
  // y - (final-stage residual): the nuisances refitted exactly as the DML's last fold.
  const auto probe = estimate(1.0);
  const double t_last = probe.panel.t(999);
  const auto e = estimate(t_last);
  const auto p = effect_uncertainty(e, options());
  const Vector r = final_stage_residual(e);
  EXPECT_NEAR(p.prediction, e.panel.y(999) - r(999), 1e-9);  // the same OLS fits, rounding only
  EXPECT_EQ(p.calibration_rows, 200);                        // the last of 5 folds of 1000 rows
  EXPECT_EQ(p.calibration_from, "2056-09-01");
  EXPECT_EQ(p.at, "2073-04-01");
  EXPECT_EQ(p.networks, 5 + 3);  // out of fold, then the rolling check's blocks 3..5
  EXPECT_LT(p.low, p.prediction);
  EXPECT_GT(p.high, p.prediction);
  EXPECT_NEAR(p.high - p.low, 2 * p.quantile * p.sigma, 1e-12);
  EXPECT_NE(p.meaning.find("not an interval for the effect"), std::string::npos);
  // The rolling check: 600 rows judged out of sample (blocks 3-5). Coverage of a 90% interval
  // calibrated on 200 rows: sd about 0.02 per block; 0.8-0.98 is wider than three sd of the
  // pooled figure.
  EXPECT_EQ(p.check_neural.rows, 600);
  EXPECT_GE(p.check_neural.coverage, 0.8);
  EXPECT_LE(p.check_neural.coverage, 0.98);
  EXPECT_GE(p.check_constant.coverage, 0.8);
  EXPECT_LE(p.check_constant.coverage, 0.98);
  // sd(x1) ranges over 0.1-1.1: the true scale's width ratio is 0.74 (tests/data/README.md); the
  // rolling check's networks see only 200-600 rows, so the bound is looser than the kernel
  // test's 0.8 (with 400 rows in all, the first network saw 80 and the ratio was 0.93).
  EXPECT_LT(p.check_neural.mean_width, 0.9 * p.check_constant.mean_width)
      << p.check_neural.mean_width << " vs " << p.check_constant.mean_width;
  EXPECT_LT(p.out_of_fold_nll, p.out_of_fold_nll_constant);
}

TEST(EffectUncertainty, TheResponseCarriesTheIntervalOnlyWhenAsked) {
  auto e = estimate(1.0);
  EXPECT_EQ(effect_to_json(e).find("prediction_interval"), std::string::npos);
  e.prediction_interval = effect_uncertainty(e, options());
  const auto json = effect_to_json(e);
  EXPECT_NE(json.find("\"prediction_interval\""), std::string::npos);
  EXPECT_NE(json.find("\"prediction_interval_meaning\""), std::string::npos);
  EXPECT_NE(json.find("\"uncertainty\""), std::string::npos);  // the standard error stays
}

TEST(EffectUncertainty, ANegativeMagnitudeKeepsTheIntervalInOrder) {
  // A change of -2 units: the effect is -2 theta, its interval -2 [hi, lo] (the bounds swap),
  // and the standard error 2 se. The API printed "95% CI 0.0654 to -0.0994" (QA 2026-12-08).
  const auto e = estimate(-2.0);
  ASSERT_GT(e.dml.ci_high, e.dml.ci_low);
  const auto json = nlohmann::json::parse(effect_to_json(e));
  const auto& analysis = json.at("causal_analysis");
  EXPECT_DOUBLE_EQ(analysis.at("effect").get<double>(), -2.0 * e.dml.theta);
  const auto& ci = analysis.at("confidence_interval");
  EXPECT_DOUBLE_EQ(ci.at(0).get<double>(), -2.0 * e.dml.ci_high);
  EXPECT_DOUBLE_EQ(ci.at(1).get<double>(), -2.0 * e.dml.ci_low);
  EXPECT_LT(ci.at(0).get<double>(), ci.at(1).get<double>());
  EXPECT_DOUBLE_EQ(analysis.at("uncertainty").get<double>(), 2.0 * e.dml.se);
}

TEST(EffectUncertainty, TheConstantScaleNeedsNoNetwork) {
  auto o = options();
  o.scale = "constant";
  const auto p = effect_uncertainty(estimate(1.0), o);
  EXPECT_EQ(p.networks, 0);
  EXPECT_DOUBLE_EQ(p.sigma, 1.0);
  EXPECT_DOUBLE_EQ(p.low, p.constant_low);
  EXPECT_DOUBLE_EQ(p.check_neural.coverage, p.check_constant.coverage);
}

TEST(EffectUncertainty, TheNewestMonthsControlsAreTheQueryWhenKnown) {
  // latest_controls (the newest month with every control, outcome unknown): at x = 0 the OLS
  // nuisances predict their intercepts, so the prediction is a_y + theta (1 - a_t) with a_y, a_t
  // the intercepts of y and t on [1, X] over the last fold's training rows (0..799), by hand.
  auto e = estimate(1.0);
  e.panel.latest_controls_date = Date::from_ymd(2073, 5, 1);
  e.panel.latest_controls = {0.0, 0.0, 0.0};
  auto o = options();
  o.scale = "constant";
  const auto p = effect_uncertainty(e, o);
  EXPECT_EQ(p.at, "2073-05-01");
  EXPECT_NE(p.meaning.find("the newest month with every control"), std::string::npos) << p.meaning;
  Matrix design(800, 4);
  design.col(0).setOnes();
  design.rightCols(3) = e.panel.X.topRows(800);
  const Vector by = design.colPivHouseholderQr().solve(e.panel.y.head(800));
  const Vector bt = design.colPivHouseholderQr().solve(e.panel.t.head(800));
  EXPECT_NEAR(p.prediction, by(0) + e.dml.theta * (1.0 - bt(0)), 1e-9);  // two OLS solvers
}

TEST(EffectUncertainty, RefusesBadSettingsNamingThem) {
  const auto e = estimate(1.0);
  auto o = options();
  o.level = 1.5;
  try {
    effect_uncertainty(e, o);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("'level'"), std::string::npos) << error.what();
  }
  // 99.9% needs 999 calibration rows; the last block has 200.
  o.level = 0.999;
  o.scale = "constant";
  try {
    effect_uncertainty(e, o);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(error.what()).find("calibration: 200 held-out rows"), std::string::npos)
        << error.what();
  }
  auto x = e;
  x.method = "xlearner";
  try {
    effect_uncertainty(x, options());
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("--uncertainty"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace mre::workflows
