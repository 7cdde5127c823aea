// Local projections, event-study regressions, real-time AR surprises, Benjamini-Hochberg and
// learner selection (issue 17): against statsmodels/numpy written in the reference scripts, hand
// computations, and simulated data with known answers.
#include "mre/causal/local_projection.h"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "mre/causal/dml.h"
#include "mre/causal/event_study.h"
#include "mre/causal/learners.h"
#include "mre/causal/multiple_testing.h"
#include "mre/causal/surprise.h"
#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::causal {
namespace {

struct LpData {
  Vector y;
  Vector shock;
  Matrix controls;
};

// y_t = 0.8 y_{t-1} + 0.5 shock_t + 0.3 c_{t-1} + e_t with heteroskedastic e; c an AR(1).
LpData simulate_lp(Eigen::Index n, std::uint64_t seed, bool with_control) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  LpData d{Vector(n), Vector(n), Matrix(n, with_control ? 1 : 0)};
  double y = 0.0;
  double c = 0.0;
  for (Eigen::Index t = 0; t < n; ++t) {
    const double shock = z(rng);
    const double e = z(rng) * (1.0 + 0.5 * std::abs(shock));
    y = 0.8 * y + 0.5 * shock + (with_control ? 0.3 * c : 0.0) + e;
    c = 0.6 * c + z(rng);
    d.y(t) = y;
    d.shock(t) = shock;
    if (with_control) d.controls(t, 0) = c;
  }
  return d;
}

TEST(LocalProjection, EachHorizonMatchesStatsmodels) {
  auto d = simulate_lp(300, 11, true);
  d.y(40) = std::nan("");  // a missing value drops the rows that need it, in both implementations
  testing::TempDir dir;
  std::ostringstream csv;
  csv.precision(17);
  csv << "y,shock,c1\n";
  for (Eigen::Index t = 0; t < d.y.size(); ++t) {
    if (std::isfinite(d.y(t))) csv << d.y(t);  // missing: an empty field
    csv << "," << d.shock(t) << "," << d.controls(t, 0) << "\n";
  }
  testing::write_file(dir / "lp.csv", csv.str());
  const std::vector<int> horizons{0, 1, 2, 3, 6, 12};
  for (const bool cumulative : {true, false}) {
    for (const auto& se : {std::string("hc1"), std::string("hac")}) {
      const auto r = testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                                        "/tests/causal/reference_local_projection.py " +
                                        (dir / "lp.csv").string() + " 3 " +
                                        (cumulative ? "1" : "0") + " " + se + " 0,1,2,3,6,12");
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const auto ref = nlohmann::json::parse(r.out);
      const auto fit = local_projection(d.y, d.shock, d.controls,
                                        {.horizons = horizons,
                                         .lags = 3,
                                         .cumulative = cumulative,
                                         .inference = parse_lp_inference(se)});
      ASSERT_EQ(fit.points.size(), ref.size());
      for (std::size_t i = 0; i < fit.points.size(); ++i) {
        const auto& p = fit.points[i];
        // 1e-8: two least-squares implementations on the same rows agree to rounding.
        EXPECT_NEAR(p.effect, ref[i]["effect"].get<double>(), 1e-8) << se << " h=" << p.horizon;
        EXPECT_NEAR(p.se, ref[i]["se"].get<double>(), 1e-8) << se << " h=" << p.horizon;
        EXPECT_EQ(p.observations, ref[i]["n"].get<Eigen::Index>()) << se << " h=" << p.horizon;
        if (se == "hac") {
          EXPECT_EQ(p.hac_lag, ref[i]["hac_lag"].get<int>());
          EXPECT_GE(p.hac_lag, p.horizon + 1);  // overlapping h-step outcomes: bandwidth >= h + 1
        }
      }
    }
  }
}

TEST(LocalProjection, BadHorizonsAndLagsAreRefusedNamingTheParameter) {
  const auto d = simulate_lp(100, 3, false);
  try {
    local_projection(d.y, d.shock, d.controls, {.horizons = {0, 95}, .lags = 2});
    FAIL() << "expected DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("horizon 95"), std::string::npos) << e.what();
  }
  try {
    local_projection(d.y, d.shock, d.controls, {.horizons = {-1}, .lags = 2});
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("horizons"), std::string::npos) << e.what();
  }
  try {
    local_projection(d.y, d.shock, d.controls, {.horizons = {0}, .lags = 0});
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lags"), std::string::npos) << e.what();
  }
}

TEST(EventStudy, MatchesAHandComputationOnFourEvents) {
  // x = (-1, 0, 1, 2), y = (-2, 0.5, 1, 4): Sxx = 5, Sxy = 9.25, b = 1.85, a = 0.875 - 1.85 x 0.5
  // = -0.05; residuals (-0.1, 0.55, -0.8, 0.35); HC1 = n/(n-k) (X'X)^-1 X' diag(e^2) X (X'X)^-1,
  // for the slope sum(xc^2 e^2) / Sxx^2 x 4/2.
  Vector x(4);
  x << -1, 0, 1, 2;
  Vector y(4);
  y << -2, 0.5, 1, 4;
  const auto fit = event_study_regression(x, y, 0, 4);
  EXPECT_NEAR(fit.effect, 1.85, 1e-12);
  EXPECT_NEAR(fit.intercept, -0.05, 1e-12);
  // Hand: with centred x (xc = x - 0.5), var(b) = sum(xc^2 e^2) / (sum xc^2)^2 * n/(n-2)
  const double e[4] = {-0.1, 0.55, -0.8, 0.35};
  const double xc[4] = {-1.5, -0.5, 0.5, 1.5};
  double meat = 0;
  for (int i = 0; i < 4; ++i) meat += xc[i] * xc[i] * e[i] * e[i];
  EXPECT_NEAR(fit.se_hc1, std::sqrt(meat / 25.0 * 2.0), 1e-12);
  EXPECT_EQ(fit.events, 4);
  EXPECT_THROW(event_study_regression(x, y, 0, 30), Error);  // fewer than 30 events
}

TEST(ArSurprise, MatchesRollingLeastSquaresAndNeverLooksAhead) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z;
  std::vector<double> x(200);
  double v = 0;
  for (auto& xi : x) xi = v = 0.2 + 0.6 * v + z(rng);
  const ArSurpriseOptions options{.lags = 2, .window = 40};
  const auto s = real_time_ar_surprise(x, options);
  // Hand check at t = 120 with numpy-free normal equations over rows s in [80, 119].
  {
    const long t = 120;
    Matrix X(40, 3);
    Vector y(40);
    for (long r = 0; r < 40; ++r) {
      const long si = t - 40 + r;
      X(r, 0) = 1.0;
      X(r, 1) = x[static_cast<std::size_t>(si - 1)];
      X(r, 2) = x[static_cast<std::size_t>(si - 2)];
      y(r) = x[static_cast<std::size_t>(si)];
    }
    const Vector b = (X.transpose() * X).ldlt().solve(X.transpose() * y);
    const double forecast = b(0) + b(1) * x[119] + b(2) * x[118];
    EXPECT_NEAR(s[120], x[120] - forecast, 1e-10);
  }
  EXPECT_TRUE(std::isnan(s[0]));
  EXPECT_TRUE(std::isnan(s[10]));  // fewer than window / 2 rows before it
  // No look-ahead: cutting the data after t = 150 leaves every earlier surprise bit-identical.
  const std::vector<double> head(x.begin(), x.begin() + 151);
  const auto cut = real_time_ar_surprise(head, options);
  for (std::size_t t = 0; t < cut.size(); ++t) {
    if (std::isnan(s[t])) {
      EXPECT_TRUE(std::isnan(cut[t]));
    } else {
      EXPECT_EQ(cut[t], s[t]) << t;
    }
  }
}

TEST(OrthogonalisedSurprise, MatchesExpandingLeastSquaresAndNeverLooksAhead) {
  // y_t = 0.3 a_t - 0.2 b_t + noise, with gaps: every 7th y missing, every 11th a missing.
  std::mt19937_64 rng(9);
  std::normal_distribution<double> z;
  const std::size_t n = 150;
  std::vector<double> y(n), a(n), b(n);
  for (std::size_t t = 0; t < n; ++t) {
    a[t] = z(rng);
    b[t] = z(rng);
    y[t] = 0.1 + 0.3 * a[t] - 0.2 * b[t] + 0.5 * z(rng);
    if (t % 7 == 3) y[t] = std::nan("");
    if (t % 11 == 5) a[t] = std::nan("");
  }
  const auto r = real_time_orthogonalised(y, {a, b}, 30);
  // By hand at t = 100: normal equations over the usable rows before it.
  std::vector<std::size_t> rows;
  for (std::size_t s = 0; s < 100; ++s) {
    if (std::isfinite(y[s]) && std::isfinite(a[s])) rows.push_back(s);
  }
  Matrix X(static_cast<Eigen::Index>(rows.size()), 3);
  Vector v(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    X.row(k) << 1.0, a[rows[i]], b[rows[i]];
    v(k) = y[rows[i]];
  }
  const Vector beta = (X.transpose() * X).ldlt().solve(X.transpose() * v);
  ASSERT_TRUE(std::isfinite(y[100]) && std::isfinite(a[100]));
  EXPECT_NEAR(r[100], y[100] - (beta(0) + beta(1) * a[100] + beta(2) * b[100]), 1e-12);
  // Missing where y or a predictor is, and before 30 usable rows exist.
  EXPECT_TRUE(std::isnan(r[3]));
  EXPECT_TRUE(std::isnan(r[5]));
  EXPECT_TRUE(std::isnan(r[20]));
  std::size_t usable = 0, first = n;
  for (std::size_t t = 0; t < n; ++t) {
    if (std::isfinite(y[t]) && std::isfinite(a[t])) {
      if (usable == 30 && first == n) first = t;
      ++usable;
    }
  }
  EXPECT_TRUE(std::isfinite(r[first]));
  for (std::size_t t = 0; t < first; ++t) EXPECT_TRUE(std::isnan(r[t])) << t;
  // No look-ahead: cut after t = 120, every earlier value bit-identical.
  const auto cut = real_time_orthogonalised(std::vector<double>(y.begin(), y.begin() + 121),
                                            {std::vector<double>(a.begin(), a.begin() + 121),
                                             std::vector<double>(b.begin(), b.begin() + 121)},
                                            30);
  for (std::size_t t = 0; t < cut.size(); ++t) {
    if (std::isnan(r[t])) {
      EXPECT_TRUE(std::isnan(cut[t])) << t;
    } else {
      EXPECT_EQ(cut[t], r[t]) << t;
    }
  }
  // Bad input names the parameter.
  EXPECT_THROW(real_time_orthogonalised(y, {a, b}, 3), Error);
  EXPECT_THROW(real_time_orthogonalised(y, {std::vector<double>(10)}, 30), Error);
}

TEST(BenjaminiHochberg, MatchesTheStepUpByHand) {
  // statsmodels multipletests([0.01, 0.04, 0.03, 0.2], method="fdr_bh")[1] = [0.04, 0.05333,
  // 0.05333, 0.2].
  const auto q = benjamini_hochberg({0.01, 0.04, 0.03, 0.2, std::nan("")});
  EXPECT_NEAR(q[0], 0.04, 1e-15);
  EXPECT_NEAR(q[1], 0.04 * 4 / 3, 1e-15);
  EXPECT_NEAR(q[2], 0.04 * 4 / 3, 1e-15);
  EXPECT_NEAR(q[3], 0.2, 1e-15);
  EXPECT_TRUE(std::isnan(q[4]));
}

TEST(IndependentColumns, DropsTheRedundantRegimeProbability) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u;
  Matrix X(50, 4);
  for (Eigen::Index i = 0; i < 50; ++i) {
    const double a = u(rng);
    const double b = (1 - a) * u(rng);
    X(i, 0) = u(rng);  // an ordinary control
    X(i, 1) = a;
    X(i, 2) = b;
    X(i, 3) = 1 - a - b;  // probabilities sum to one: collinear with the intercept
  }
  const auto sel = independent_columns(X);
  EXPECT_EQ(sel.kept, (std::vector<Eigen::Index>{0, 1, 2}));
  EXPECT_EQ(sel.dropped, (std::vector<Eigen::Index>{3}));
}

TEST(LearnerSelection, PicksTheBestOutOfFoldLearnerAndNeverOneWorseThanTheMean) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> z;
  const Eigen::Index n = 400;
  Matrix X(n, 3);
  Vector t(n);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = z(rng);
    t(i) = z(rng);                               // unpredictable: the constant should win
    y(i) = 0.5 * t(i) + 2.0 * X(i, 0) + z(rng);  // linear: ols (or ridge/lasso) should win
  }
  std::vector<std::unique_ptr<Regressor>> owned;
  for (const auto* name : {"constant", "ols", "ridge", "lasso", "forest"})
    owned.push_back(make_regressor(name));
  std::vector<const Regressor*> candidates;
  for (const auto& l : owned) candidates.push_back(l.get());
  const auto r = dml_plr_select(X, t, y, candidates, {.folds = 5, .embargo = 1});
  ASSERT_EQ(r.candidates.size(), 5u);
  double best_y = -1e9;
  double best_t = -1e9;
  for (const auto& c : r.candidates) {
    best_y = std::max(best_y, c.r2_outcome);
    best_t = std::max(best_t, c.r2_treatment);
  }
  EXPECT_EQ(r.r2_outcome, best_y);
  EXPECT_EQ(r.r2_treatment, best_t);
  EXPECT_NE(r.outcome_learner, "constant");
  EXPECT_NE(r.outcome_learner,
            "forest");  // a linear truth: a linear learner predicts better out of fold
  EXPECT_GT(r.r2_outcome, 0.5);
  EXPECT_GE(r.r2_treatment, r.candidates[0].r2_treatment);  // never below the constant baseline
  // The treatment is pure noise: no learner beats the mean by much, and when the chosen R^2 is
  // <= 0 the result says so.
  EXPECT_LT(r.r2_treatment, 0.05);
  if (r.r2_treatment <= 0) {
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings.back().find("treatment nuisance"), std::string::npos);
  }
  EXPECT_NEAR(r.theta, 0.5, 4 * r.se);
}

TEST(LearnerSelection, OlsOnCollinearControlsIsRefittedWithoutTheRedundantColumn) {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> z;
  const Eigen::Index n = 200;
  Matrix X(n, 2);
  Vector t(n);
  Vector y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = z(rng);
    X(i, 1) = 2 * X(i, 0);
    t(i) = X(i, 0) + z(rng);
    y(i) = t(i) + X(i, 0) + z(rng);
  }
  const auto ols = make_regressor("ols");
  const auto ridge = make_regressor("ridge");
  const auto r = dml_plr_select(X, t, y, {ols.get(), ridge.get()}, {.folds = 5, .embargo = 0});
  // OLS cannot fit the collinear pair: each fold is refitted on its independent columns (the
  // redundant one dropped, as R's lm does) and counted; nothing is silently skipped.
  EXPECT_TRUE(r.candidates[0].error.empty()) << r.candidates[0].error;
  EXPECT_EQ(r.candidates[0].reduced_folds, 5);
  EXPECT_TRUE(std::isfinite(r.candidates[0].r2_outcome));
  EXPECT_EQ(r.candidates[1].reduced_folds, 0);  // ridge fits collinear controls as they are
  EXPECT_NEAR(r.theta, 1.0, 4 * r.se);
}

}  // namespace
}  // namespace mre::causal
