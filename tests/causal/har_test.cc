// Equal-weighted cosine (EWC) inference (causal/inference.h, Lazarus, Lewis, Stock & Watson
// 2018): against a numpy/scipy reference written from the paper's formulas
// (tests/causal/reference_ewc.py), its degrees-of-freedom rule by hand, and its size on simulated
// persistent scores, where Newey-West at the usual lag over-rejects.
#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "mre/causal/dml.h"
#include "mre/causal/inference.h"
#include "mre/core/distributions.h"
#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::causal {
namespace {

// x_t = phi x_{t-1} + e_t from a stationary start (200 rows of burn-in).
Vector ar1(Eigen::Index n, double phi, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  double x = 0.0;
  for (int i = 0; i < 200; ++i) x = phi * x + normal(rng);
  Vector out(n);
  for (Eigen::Index t = 0; t < n; ++t) out(t) = x = phi * x + normal(rng);
  return out;
}

TEST(Ewc, DegreesOfFreedomFollowTheRuleAndTheMinimumBandwidth) {
  // floor(0.4 * 300^(2/3)) = floor(0.4 * 44.81) = 17; n / 17 = 17.6 >= any bandwidth up to 17.
  EXPECT_EQ(ewc_degrees_of_freedom(300, 13), 17);
  // A minimum bandwidth of 30 leaves at most 300 / 30 = 10 cosine terms.
  EXPECT_EQ(ewc_degrees_of_freedom(300, 30), 10);
  // floor(0.4 * 1000^(2/3)) = 40.
  EXPECT_EQ(ewc_degrees_of_freedom(1000, 0), 40);
  EXPECT_EQ(ewc_degrees_of_freedom(5, 0), 1);  // floor(0.4 * 2.92) = 1
  EXPECT_EQ(ewc_degrees_of_freedom(5, 10), 1);
  EXPECT_EQ(parse_standard_error("ewc"), StandardError::kEwc);
  EXPECT_EQ(standard_error_name(StandardError::kEwc), "ewc");
  EXPECT_EQ(parse_standard_error("ewc_hc3"), StandardError::kEwcHc3);
  EXPECT_EQ(standard_error_name(StandardError::kEwcHc3), "ewc_hc3");
  EXPECT_THROW(parse_standard_error("nw"), Error);
}

TEST(Ewc, TailsOfTAndFMatchTables) {
  // Student's t(17): 0.975 quantile 2.109815578 (tables); F(2, 16) upper 5% point 3.633723468.
  EXPECT_NEAR(critical_975(17), 2.1098155778331806, 1e-9);
  EXPECT_NEAR(two_sided_p(2.1098155778331806, 17), 0.05, 1e-10);
  EXPECT_NEAR(critical_975(0), kZ975, 0.0);
  EXPECT_NEAR(two_sided_p(kZ975, 0), 0.05, 1e-12);
  EXPECT_NEAR(f_distribution_sf(3.6337234675916301, 2, 16), 0.05, 1e-9);
  // W / 2 * 16 / 17 = 3.6337...: the Wald statistic of two restrictions with nu = 17.
  EXPECT_NEAR(wald_p_value(3.6337234675916301 * 2 * 17 / 16, 2, 17), 0.05, 1e-9);
  EXPECT_NEAR(wald_p_value(5.991464547107979, 2, 0), 0.05, 1e-12);  // chi-square(2)
  EXPECT_THROW(wald_p_value(1.0, 3, 2), Error);
}

TEST(Ewc, MatchesANumpyScipyReference) {
  std::mt19937_64 rng(7);
  const Eigen::Index n = 300;
  Matrix X(n, 3);
  X.col(0) = ar1(n, 0.8, rng);
  X.col(1) = ar1(n, 0.5, rng);
  X.col(2) = ar1(n, 0.0, rng);
  const Vector noise = ar1(n, 0.6, rng);
  const Vector y = 0.3 * X.col(0) - 0.2 * X.col(1) + 0.1 * X.col(2) + noise;
  testing::TempDir dir;
  std::ostringstream csv;
  csv.precision(17);
  csv << "y,x1,x2,x3\n";
  for (Eigen::Index t = 0; t < n; ++t)
    csv << y(t) << "," << X(t, 0) << "," << X(t, 1) << "," << X(t, 2) << "\n";
  testing::write_file(dir / "d.csv", csv.str());
  for (const auto& [bandwidth, se] :
       {std::pair{13, StandardError::kEwc}, std::pair{30, StandardError::kEwc},
        std::pair{13, StandardError::kEwcHc3}}) {
    const bool hc3 = se == StandardError::kEwcHc3;
    const auto r = testing::run_shell("/usr/bin/python3 " + testing::source_dir().string() +
                                      "/tests/causal/reference_ewc.py " + (dir / "d.csv").string() +
                                      " " + std::to_string(bandwidth) + (hc3 ? " 1" : " 0"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto ref = nlohmann::json::parse(r.out);
    const auto fit = ols_with_covariance(X, y, se, bandwidth);
    SCOPED_TRACE(standard_error_name(se) + " bandwidth " + std::to_string(bandwidth));
    ASSERT_EQ(fit.dof, ref["nu"].get<int>());
    for (Eigen::Index i = 0; i < 3; ++i) {
      // 1e-12: the same least squares and cosine sums in a different order.
      EXPECT_NEAR(fit.coefficients(i), ref["beta"][static_cast<std::size_t>(i)].get<double>(),
                  1e-12);
      for (Eigen::Index j = 0; j < 3; ++j) {
        const double want = ref["covariance"][static_cast<std::size_t>(3 * i + j)].get<double>();
        EXPECT_NEAR(fit.covariance(i, j), want, 1e-10 * std::abs(want) + 1e-16) << i << "," << j;
      }
      const double tstat = fit.coefficients(i) / std::sqrt(fit.covariance(i, i));
      // 1e-10: the incomplete beta's continued fraction against scipy's.
      EXPECT_NEAR(two_sided_p(tstat, fit.dof),
                  ref["p_values"][static_cast<std::size_t>(i)].get<double>(), 1e-10);
    }
    EXPECT_NEAR(critical_975(fit.dof), ref["critical_975"].get<double>(), 1e-10);
    // The regime-effects Wald test (dml.h's final stage: equality of the coefficients) on the
    // same design as the per-regime columns: two restrictions.
    Matrix C = Matrix::Zero(2, 3);
    C(0, 0) = C(1, 0) = -1.0;
    C(0, 1) = C(1, 2) = 1.0;
    const Vector d = C * fit.coefficients;
    const double wald = d.dot((C * fit.covariance * C.transpose()).ldlt().solve(d));
    EXPECT_NEAR(wald, ref["wald"].get<double>(), 1e-9 * ref["wald"].get<double>());
    EXPECT_NEAR(wald_p_value(wald, 2, fit.dof), ref["wald_p_value"].get<double>(), 1e-10);
  }
}

TEST(Ewc, TheDmlFinalStageUsesTheTReferenceForItsIntervalAndPValue) {
  std::mt19937_64 rng(11);
  const Vector v = ar1(240, 0.7, rng);
  const Vector u = 0.2 * v + ar1(240, 0.7, rng);
  const auto r = final_stage(u, v, StandardError::kEwcHc3, 13, std::nullopt, {});
  const auto fit = ols_with_covariance(Matrix(v), u, StandardError::kEwcHc3, 13);
  ASSERT_EQ(r.dof, ewc_degrees_of_freedom(240, 13));  // floor(0.4 * 240^(2/3)) = 15
  EXPECT_EQ(r.dof, 15);
  EXPECT_EQ(r.se_type, "ewc_hc3");
  // The leverage adjustment widens the interval: each score grows by 1 / (1 - h_t) > 1.
  EXPECT_GT(r.se,
            std::sqrt(ols_with_covariance(Matrix(v), u, StandardError::kEwc, 13).covariance(0, 0)));
  EXPECT_DOUBLE_EQ(r.se, std::sqrt(fit.covariance(0, 0)));
  EXPECT_NEAR(r.ci_high - r.ci_low, 2 * critical_975(15) * r.se, 1e-15);
  EXPECT_NEAR(r.p_value, student_t_two_sided_p(r.theta / r.se, 15), 1e-15);
}

// Size on persistent scores: no effect, x and y independent AR(1) with phi = 0.7, n = 300 (the
// length of the monthly grid), 1,000 samples. Measured first in numpy (2,000 samples): EWC
// (nu = 17, t(17)) rejects 4.8% at 5%, Newey-West with the grid's lag (max(5, h + 1) = 5 for
// h <= 4) 8.3%; at phi = 0.8 15% against 7.7%.
TEST(Ewc, HoldsItsSizeOnPersistentScoresWhereNeweyWestAtTheUsualLagOverRejects) {
  std::mt19937_64 rng(20261207);
  const Eigen::Index n = 300;
  const int samples = 1000;
  int ewc = 0;
  int nw = 0;
  for (int s = 0; s < samples; ++s) {
    const Vector x = ar1(n, 0.7, rng);
    const Vector y = ar1(n, 0.7, rng);
    const auto e = ols_with_covariance(Matrix(x), y, StandardError::kEwc, 5);
    const auto h = ols_with_covariance(Matrix(x), y, StandardError::kHac, 5);
    ewc += two_sided_p(e.coefficients(0) / std::sqrt(e.covariance(0, 0)), e.dof) < 0.05 ? 1 : 0;
    nw += two_sided_p(h.coefficients(0) / std::sqrt(h.covariance(0, 0))) < 0.05 ? 1 : 0;
  }
  const double ewc_rate = static_cast<double>(ewc) / samples;
  const double nw_rate = static_cast<double>(nw) / samples;
  // 3-7%: 5% plus or minus three binomial standard errors at 1,000 samples (0.69 points).
  EXPECT_GE(ewc_rate, 0.03) << ewc_rate;
  EXPECT_LE(ewc_rate, 0.07) << ewc_rate;
  // The same data with Newey-West at lag 5 reject more often: the test can tell the two apart.
  EXPECT_GT(nw_rate, ewc_rate + 0.015) << nw_rate << " vs " << ewc_rate;
  RecordProperty("ewc_rejection", std::to_string(ewc_rate));
  RecordProperty("newey_west_rejection", std::to_string(nw_rate));
}

// Size with heavy tails: no effect, treatment and outcome i.i.d. Student t(2.5), n = 120 (nu = 9),
// 2,000 samples. Measured first in numpy (2,000 samples): EWC rejects 7.0% at 5%, EWC-HC3 4.4%
// (at n = 300 6.2% against 4.5%): a few months with an extreme treatment pull the fit through
// them, their residuals shrink, and the plain scores under-state the variance.
TEST(Ewc, LeverageAdjustedScoresHoldTheSizeWhereAnOutlyingTreatmentMakesPlainEwcOverReject) {
  std::mt19937_64 rng(1985);
  std::student_t_distribution<double> heavy(2.5);
  const Eigen::Index n = 120;
  const int samples = 2000;
  int plain = 0;
  int adjusted = 0;
  for (int s = 0; s < samples; ++s) {
    Vector x(n);
    Vector y(n);
    for (Eigen::Index t = 0; t < n; ++t) {
      x(t) = heavy(rng);
      y(t) = heavy(rng);
    }
    const auto e = ols_with_covariance(Matrix(x), y, StandardError::kEwc, 0);
    const auto h = ols_with_covariance(Matrix(x), y, StandardError::kEwcHc3, 0);
    ASSERT_EQ(e.dof, 9);
    plain += two_sided_p(e.coefficients(0) / std::sqrt(e.covariance(0, 0)), e.dof) < 0.05 ? 1 : 0;
    adjusted +=
        two_sided_p(h.coefficients(0) / std::sqrt(h.covariance(0, 0)), h.dof) < 0.05 ? 1 : 0;
  }
  const double plain_rate = static_cast<double>(plain) / samples;
  const double adjusted_rate = static_cast<double>(adjusted) / samples;
  // 3-7%: 5% plus or minus four binomial standard errors at 2,000 samples (0.49 points each).
  EXPECT_GE(adjusted_rate, 0.03) << adjusted_rate;
  EXPECT_LE(adjusted_rate, 0.07) << adjusted_rate;
  EXPECT_GT(plain_rate, adjusted_rate + 0.015) << plain_rate << " vs " << adjusted_rate;
  RecordProperty("ewc_rejection", std::to_string(plain_rate));
  RecordProperty("ewc_hc3_rejection", std::to_string(adjusted_rate));
}

TEST(Ewc, AnObservationThatAloneDeterminesACoefficientIsRefusedUnderHc3) {
  Matrix X = Matrix::Zero(30, 2);
  Vector y(30);
  for (Eigen::Index t = 0; t < 30; ++t) {
    X(t, 0) = 1.0 + 0.1 * static_cast<double>(t % 7);
    y(t) = 0.5 * static_cast<double>(t % 5);
  }
  X(12, 1) = 3.0;  // the second column is non-zero in one row only: its leverage is 1
  EXPECT_NO_THROW(ols_with_covariance(X, y, StandardError::kEwc, 0));
  try {
    ols_with_covariance(X, y, StandardError::kEwcHc3, 0);
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("observation 13 has leverage 1"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mre::causal
