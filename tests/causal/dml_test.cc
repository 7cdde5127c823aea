// DML and the X-learner: against scikit-learn and statsmodels on the same data and folds
// (tests/causal/reference_dml.py), against hand computations, and on simulated data with a
// known effect (coverage, regime effects, placebo).
#include "mre/causal/dml.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "causal/simulate.h"
#include "mre/causal/folds.h"
#include "mre/causal/inference.h"
#include "mre/causal/learners.h"
#include "mre/causal/xlearner.h"
#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::causal {
namespace {

using testdata::simulate;
using testdata::Simulated;

TEST(Folds, ContiguousFoldsWithAnEmbargoKeepTrainingAwayFromTheTestBlock) {
  const auto folds = contiguous_folds(23, 4, 2);
  ASSERT_EQ(folds.size(), 4u);
  EXPECT_EQ(folds[0].test.size(), 6u);  // 23 = 6 + 6 + 6 + 5
  EXPECT_EQ(folds[3].test.size(), 5u);
  std::vector<int> covered(23, 0);
  for (const auto& f : folds) {
    for (const auto i : f.test) ++covered[static_cast<std::size_t>(i)];
    const auto lo = f.test.front();
    const auto hi = f.test.back();
    for (const auto i : f.train) EXPECT_TRUE(i < lo - 2 || i > hi + 2) << i;
    EXPECT_EQ(f.train.size(), 23u - f.test.size() - (lo >= 2 ? 2u : static_cast<std::size_t>(lo)) -
                                  (hi + 2 <= 22 ? 2u : static_cast<std::size_t>(22 - hi)));
  }
  for (int c : covered) EXPECT_EQ(c, 1);
  EXPECT_THROW(contiguous_folds(10, 2, 10), Error);  // the embargo leaves no training rows
  EXPECT_THROW(contiguous_folds(3, 5, 0), Error);
}

TEST(Dml, MatchesScikitLearnResidualsAndStatsmodelsStandardErrors) {
  const auto s = simulate(240, 3, 0.5, 0.5, 0.5);
  testing::TempDir dir;
  std::ostringstream csv;
  csv.precision(17);
  csv << "y,t,x1,x2,x3\n";
  for (Eigen::Index i = 0; i < s.y.size(); ++i) {
    csv << s.y(i) << "," << s.t(i) << "," << s.X(i, 0) << "," << s.X(i, 1) << "," << s.X(i, 2)
        << "\n";
  }
  testing::write_file(dir / "d.csv", csv.str());
  const int k = 5;
  const int embargo = 3;
  const int lag = 4;
  const auto r = testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                                    "/tests/causal/reference_dml.py " + (dir / "d.csv").string() +
                                    " " + std::to_string(k) + " " + std::to_string(embargo) + " " +
                                    std::to_string(lag) + " 0.05");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  const auto ols = make_regressor("ols");
  for (const auto& [name, se] :
       {std::pair{"hc0", StandardError::kHc0}, std::pair{"hc1", StandardError::kHc1},
        std::pair{"hac", StandardError::kHac}}) {
    const auto got = dml_plr(s.X, s.t, s.y, *ols, *ols,
                             {.folds = k, .embargo = embargo, .se = se, .hac_lag = lag});
    // 1e-8: two least-squares implementations on the same data agree to rounding.
    EXPECT_NEAR(got.theta, ref["theta"].get<double>(), 1e-8) << name;
    EXPECT_NEAR(got.se, ref[std::string("se_") + name].get<double>(), 1e-8) << name;
    for (Eigen::Index i = 0; i < s.y.size(); i += 17) {
      EXPECT_NEAR(got.y_residual(i), ref["y_residual"][static_cast<std::size_t>(i)].get<double>(),
                  1e-9);
      EXPECT_NEAR(got.t_residual(i), ref["t_residual"][static_cast<std::size_t>(i)].get<double>(),
                  1e-9);
    }
  }
  // The lasso's coordinate descent against scikit-learn's Lasso at the same penalty, on the
  // same standardised columns: 1e-6 (both stop on a coefficient-change tolerance).
  Matrix Z = s.X;
  for (Eigen::Index j = 0; j < Z.cols(); ++j) {
    const double mean = Z.col(j).mean();
    const double sd = std::sqrt((Z.col(j).array() - mean).square().mean());
    Z.col(j) = (Z.col(j).array() - mean) / sd;
  }
  const Vector yc = s.y.array() - s.y.mean();
  const Vector beta = lasso_coordinate_descent(Z, yc, 0.05, Vector::Zero(3), 1e-13, 100000);
  for (int j = 0; j < 3; ++j)
    EXPECT_NEAR(beta(j), ref["lasso_coef"][static_cast<std::size_t>(j)].get<double>(), 1e-6);
}

TEST(Dml, HandComputedFinalStage) {
  // Residuals chosen by hand: theta = sum(v u) / sum(v^2) = (1*2 + 2*3 + 3*7 + 4*8 + 5*9) / 55
  // = 106 / 55; HC0 variance = sum(v^2 e^2) / (sum v^2)^2.
  Vector v(5);
  v << 1, 2, 3, 4, 5;
  Vector u(5);
  u << 2, 3, 7, 8, 9;
  const auto r = final_stage(u, v, StandardError::kHc0, 0, std::nullopt, {});
  const double theta = 106.0 / 55.0;
  EXPECT_NEAR(r.theta, theta, 1e-15);
  double meat = 0;
  for (int i = 0; i < 5; ++i) meat += std::pow(v(i) * (u(i) - theta * v(i)), 2);
  EXPECT_NEAR(r.se, std::sqrt(meat) / 55.0, 1e-15);
  EXPECT_NEAR(r.ci_high - r.ci_low, 2 * kZ975 * r.se, 1e-15);
}

// A horizon longer than the sample (a QA pass asked for h = 250 on 174 months): the EWC falls
// back to one cosine term, whose span is still shorter than the overlap, and the interval says
// nothing then. The estimate carries a warning; with enough rows it does not.
TEST(Dml, AnOverlapLongerThanTheSampleIsWarnedAbout) {
  Vector v(12);
  Vector u(12);
  for (int i = 0; i < 12; ++i) {
    v(i) = std::sin(1.7 * i) + 0.1 * i;
    u(i) = 0.5 * v(i) + std::cos(2.3 * i);
  }
  const auto short_sample = final_stage(u, v, StandardError::kEwcHc3, 20, std::nullopt, {});
  ASSERT_EQ(short_sample.warnings.size(), 1u);
  EXPECT_NE(short_sample.warnings[0].find("12 observations are fewer than the bandwidth"),
            std::string::npos)
      << short_sample.warnings[0];
  EXPECT_TRUE(final_stage(u, v, StandardError::kEwcHc3, 4, std::nullopt, {}).warnings.empty());
}

TEST(Inference, ChiSquareAndNormalTailsMatchTables) {
  EXPECT_NEAR(chi_square_sf(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(chi_square_sf(5.991464547107979, 2), 0.05, 1e-12);
  EXPECT_NEAR(chi_square_sf(11.070497693516351, 5), 0.05, 1e-12);
  EXPECT_NEAR(chi_square_sf(0.5, 3), 0.9188914116, 1e-9);
  EXPECT_NEAR(two_sided_p(kZ975), 0.05, 1e-12);
  EXPECT_NEAR(normal_cdf(0.0), 0.5, 1e-16);
  EXPECT_EQ(newey_west_lag(100), 4);
  EXPECT_EQ(newey_west_lag(500), 5);
}

TEST(Dml, RegimeEffectsRecoverEachRegimesThetaAndTheWaldTestSeparatesThem) {
  const auto s = simulate(3000, 11, 1.0, -0.5, 0.3);
  const auto ols = make_regressor("ols");
  const auto r =
      dml_plr(s.X, s.t, s.y, *ols, *ols, {.folds = 5, .embargo = 2}, s.regimes, {"A", "B"});
  ASSERT_EQ(r.regimes.size(), 2u);
  // Tolerance: about 4 standard errors (each regime has ~1500 rows: se ~ 0.03).
  EXPECT_NEAR(r.regimes[0].effect, 1.0, 4 * r.regimes[0].se);
  EXPECT_NEAR(r.regimes[1].effect, -0.5, 4 * r.regimes[1].se);
  EXPECT_LT(r.regimes[0].se, 0.06);
  EXPECT_LT(r.wald_p_value, 1e-6);
  EXPECT_EQ(r.wald_dof, 1);
  // Equal effects: the Wald test does not reject (p well above 0.001 on this seed).
  const auto same = simulate(3000, 12, 0.5, 0.5, 0.3);
  const auto r2 = dml_plr(same.X, same.t, same.y, *ols, *ols, {.folds = 5, .embargo = 2},
                          same.regimes, {"A", "B"});
  EXPECT_GT(r2.wald_p_value, 0.001);
  // Weighted by probabilities instead of hard labels: soft weights that favour the true regime.
  Matrix soft = 0.8 * s.regimes + 0.2 * (Matrix::Ones(s.regimes.rows(), 2) - s.regimes);
  const auto r3 = dml_plr(s.X, s.t, s.y, *ols, *ols, {.folds = 5, .embargo = 2}, soft, {"A", "B"});
  EXPECT_GT(r3.regimes[0].effect, r3.regimes[1].effect + 1.0);
}

TEST(Dml, BadInputIsRefusedNamingTheParameter) {
  const auto s = simulate(100, 1, 0.5, 0.5);
  const auto ols = make_regressor("ols");
  const auto message = [&](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] {
              dml_plr(s.X, Vector::Constant(100, 1.0), s.y, *ols, *ols, {});
            }).find("treatment: constant"),
            std::string::npos);
  EXPECT_NE(message([&] {
              dml_plr(s.X.topRows(20), s.t.head(20), s.y.head(20), *ols, *ols, {});
            }).find("rows"),
            std::string::npos);
  EXPECT_NE(message([&] {
              dml_plr(s.X, s.t, s.y, *ols, *ols, {.folds = 2, .embargo = 60});
            }).find("embargo"),
            std::string::npos);
  Vector y = s.y;
  y(7) = std::nan("");
  EXPECT_NE(message([&] { dml_plr(s.X, s.t, y, *ols, *ols, {}); }).find("outcome"),
            std::string::npos);
  Matrix collinear(100, 3);
  collinear << s.X.leftCols(2), s.X.col(0) * 2.0;
  EXPECT_NE(message([&] { dml_plr(collinear, s.t, s.y, *ols, *ols, {}); }).find("collinear"),
            std::string::npos);
  // Ridge accepts collinear controls.
  const auto ridge = make_regressor("ridge");
  EXPECT_NO_THROW(dml_plr(collinear, s.t, s.y, *ridge, *ridge, {}));
  EXPECT_NE(message([&] { make_regressor("nope"); }).find("known: constant, ols"),
            std::string::npos);
}

TEST(Learners, TreeEnsemblesFitANonlinearFunctionOutOfSample) {
  // y = sin(2 x0) + x1^2 + noise: linear models miss it, trees should not.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> z;
  const Eigen::Index n = 1500;
  Matrix X(n, 3);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = z(rng);
    y(i) = std::sin(2 * X(i, 0)) + X(i, 1) * X(i, 1) + 0.1 * z(rng);
  }
  const Eigen::Index train = 1000;
  const auto r2 = [&](const Regressor& model) {
    auto m = model.fresh();
    m->fit(X.topRows(train), y.head(train));
    const Vector residual = y.tail(n - train) - m->predict(X.bottomRows(n - train));
    const Vector test = y.tail(n - train);
    return 1.0 - residual.squaredNorm() / (test.array() - test.mean()).square().sum();
  };
  const double forest = r2(*make_regressor("forest"));
  const double boosting = r2(*make_regressor("boosting"));
  const double ols = r2(*make_regressor("ols"));
  EXPECT_GT(forest, 0.8) << forest;
  EXPECT_GT(boosting, 0.8) << boosting;
  EXPECT_LT(ols, 0.2) << ols;
  // Same seed, same fit: reproducible.
  auto a = make_regressor("forest");
  auto b = make_regressor("forest");
  a->fit(X, y);
  b->fit(X, y);
  EXPECT_EQ(a->predict(X.topRows(5)), b->predict(X.topRows(5)));
  // The classifier gives probabilities.
  Vector label(n);
  for (Eigen::Index i = 0; i < n; ++i) label(i) = X(i, 0) > 0 ? 1.0 : 0.0;
  auto c = make_classifier("forest");
  c->fit(X, label);
  const Vector p = c->predict_probability(X);
  EXPECT_GT(p.minCoeff(), 0.0);
  EXPECT_LT(p.maxCoeff(), 1.0);
  EXPECT_GT((p.array() > 0.5).cast<double>().cwiseEqual(label.array()).cast<double>().mean(), 0.95);
}

TEST(Dml, ForestNuisancesRemoveNonlinearConfounding) {
  // t and y both depend on x0 nonlinearly; theta = 0.5. OLS nuisances leave bias, forests not.
  // (The treatment's own noise must be large next to the forest's approximation error of x0^2:
  // DML's bias is the product of the two nuisances' errors over var(v).)
  std::mt19937_64 rng(8);
  std::normal_distribution<double> z;
  const Eigen::Index n = 2000;
  Matrix X(n, 3);
  Vector t(n);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = z(rng);
    const double confound = X(i, 0) * X(i, 0);
    t(i) = confound + z(rng);
    y(i) = 0.5 * t(i) + confound + z(rng);
  }
  const auto forest = make_regressor("forest");
  const auto r = dml_plr(X, t, y, *forest, *forest, {.folds = 5, .embargo = 0});
  // About 3 standard errors plus the remaining product-of-errors bias (~0.07 here).
  EXPECT_NEAR(r.theta, 0.5, 3 * r.se + 0.08) << r.theta << " se " << r.se;
  const auto ols = make_regressor("ols");
  const auto biased = dml_plr(X, t, y, *ols, *ols, {.folds = 5, .embargo = 0});
  EXPECT_GT(std::abs(biased.theta - 0.5), 0.4);  // a linear nuisance cannot remove x0^2
  EXPECT_GT(r.r2_treatment, 0.5);
}

TEST(XLearner, RecoversAKnownHeterogeneousEffect) {
  // tau(x) = 1 + x1; treatment probability depends on x0 (confounding).
  std::mt19937_64 rng(21);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  const Eigen::Index n = 2000;
  Matrix X(n, 2);
  Vector t(n);
  Vector y(n);
  Vector truth(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = z(rng);
    X(i, 1) = z(rng);
    t(i) = u(rng) < 1.0 / (1.0 + std::exp(-X(i, 0))) ? 1.0 : 0.0;
    truth(i) = 1.0 + X(i, 1);
    y(i) = 2.0 * X(i, 0) + t(i) * truth(i) + 0.5 * z(rng);
  }
  const auto ols = make_regressor("ols");
  const auto logistic = make_classifier("logistic");
  const auto r = x_learner(X, t, y, *ols, *ols, *logistic, {.bootstrap = 100});
  // ATE = mean(1 + x1) ~ 1; tolerance ~4 bootstrap standard errors.
  EXPECT_NEAR(r.ate, truth.mean(), 4 * r.se);
  EXPECT_LT(r.se, 0.08);
  EXPECT_LT(r.ci_low, truth.mean());
  EXPECT_GT(r.ci_high, truth.mean());
  // CATE tracks the truth: linear learners recover 1 + x1 almost exactly.
  EXPECT_LT((r.cate - truth).cwiseAbs().mean(), 0.1);
  // Propensities in (0, 1) and increasing with x0.
  EXPECT_GT(r.propensity.minCoeff(), 0.0);
  EXPECT_LT(r.propensity.maxCoeff(), 1.0);
}

TEST(XLearner, RefusesANonBinaryTreatment) {
  const auto s = simulate(100, 2, 0.5, 0.5);
  const auto ols = make_regressor("ols");
  const auto logistic = make_classifier("logistic");
  try {
    x_learner(s.X, s.t, s.y, *ols, *ols, *logistic);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("binary"), std::string::npos) << e.what();
  }
}

TEST(XLearner, TheKeptModelGivesTheKernelsCateAndRefusesOtherColumns) {
  // fit_x_learner_model (the Python binding's effect(X)) fits the same learners as x_learner's
  // own fit: on the fitting rows its CATE and propensity are the kernel's, bit for bit.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z;
  const Eigen::Index n = 300;
  Matrix X(n, 2);
  Vector t(n);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = z(rng);
    X(i, 1) = z(rng);
    t(i) = z(rng) + X(i, 0) > 0 ? 1.0 : 0.0;
    y(i) = X(i, 0) + t(i) * (1.0 + X(i, 1)) + z(rng);
  }
  const auto ols = make_regressor("ols");
  const auto logistic = make_classifier("logistic");
  const auto r = x_learner(X, t, y, *ols, *ols, *logistic, {.bootstrap = 0});
  const auto m = fit_x_learner_model(X, t, y, *ols, *ols, *logistic);
  EXPECT_EQ(m.cate(X), r.cate);
  EXPECT_EQ(m.propensity_of(X), r.propensity);
  EXPECT_THROW((void)m.cate(Matrix::Zero(3, 3)), Error);
  Vector bad = t;
  bad(4) = std::numeric_limits<double>::quiet_NaN();
  try {
    (void)fit_x_learner_model(X, bad, y, *ols, *ols, *logistic);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("row 5 has nan"), std::string::npos) << e.what();
  }
}

TEST(XLearner, MovingBlockResamplesAreRunsOfConsecutiveRows) {
  const auto index = moving_block_resample(100, 7, 3);
  ASSERT_EQ(index.size(), 100u);
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (i % 7 != 0) {
      EXPECT_EQ(index[i], index[i - 1] + 1) << i;
    }
    EXPECT_GE(index[i], 0);
    EXPECT_LT(index[i], 100);
  }
}

}  // namespace
}  // namespace mre::causal

namespace mre::causal {
namespace {

// Each candidate's own estimate (the robustness checks of issue 17 read it instead of refitting)
// is the estimate with that candidate alone: the same folds and the same fits, bit for bit.
TEST(DmlSelect, EachCandidatesOwnEstimateEqualsThatLearnerAlone) {
  std::mt19937_64 rng(21);
  std::normal_distribution<double> z;
  const Eigen::Index n = 300;
  Matrix X(n, 3);
  Vector t(n);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = z(rng);
    t(i) = 0.5 * X(i, 0) + z(rng);
    y(i) = 0.3 * t(i) + X(i, 0) * X(i, 0) + z(rng);
  }
  std::vector<std::unique_ptr<Regressor>> owned;
  for (const auto* name : {"constant", "ols", "ridge", "forest"})
    owned.push_back(make_regressor(name));
  std::vector<const Regressor*> all;
  for (const auto& l : owned) all.push_back(l.get());
  const DmlOptions options{.folds = 5, .embargo = 2};
  const auto selected = dml_plr_select(X, t, y, all, options);
  ASSERT_EQ(selected.candidates.size(), 4u);
  for (std::size_t c = 0; c < all.size(); ++c) {
    const auto alone = dml_plr_select(X, t, y, {all[c]}, options);
    EXPECT_EQ(selected.candidates[c].theta, alone.theta) << selected.candidates[c].learner;
    EXPECT_EQ(selected.candidates[c].p_value, alone.p_value) << selected.candidates[c].learner;
  }
  // Not vacuous: the learners disagree (the constant ignores the confounder x0).
  EXPECT_GT(std::abs(selected.candidates[0].theta - selected.candidates[1].theta), 0.05);
}

}  // namespace
}  // namespace mre::causal
