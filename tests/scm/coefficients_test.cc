// The SCM coefficient table (scm/coefficients.h): standard errors and 95% intervals by hand, the
// own-lag row read from the covariance's size, a malformed covariance refused; and on simulated
// data (a known coefficient, i.i.d. noise) the interval covers the truth.
#include "mre/scm/coefficients.h"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <random>

#include "mre/core/error.h"

namespace mre::scm {
namespace {

TEST(CoefficientTable, StandardErrorsAndIntervalsByHand) {
  FittedEquation f;
  f.node = "Y";
  f.parents = {"X"};
  f.intercept = 1.0;
  f.phi = 0.5;
  f.beta = {-2.0};
  f.covariance = Matrix::Zero(3, 3);
  f.covariance.diagonal() << 4.0, 0.25, 0.01;  // se 2, 0.5, 0.1
  const auto t = coefficient_table(f);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].term, "intercept");
  EXPECT_EQ(t[1].term, "Y(t-1)");
  EXPECT_EQ(t[2].term, "X");
  EXPECT_DOUBLE_EQ(t[0].se, 2.0);
  EXPECT_DOUBLE_EQ(t[1].se, 0.5);
  // 1 +/- 1.959963984540054 * 2 (z from scipy.stats.norm.ppf(0.975)); exact to the last bits.
  EXPECT_DOUBLE_EQ(t[0].ci_low, 1.0 - 3.919927969080108);
  EXPECT_DOUBLE_EQ(t[0].ci_high, 1.0 + 3.919927969080108);
  EXPECT_DOUBLE_EQ(t[2].ci_low, -2.0 - 0.1959963984540054);
  // Without the own lag the covariance has no row for it.
  f.covariance = Matrix::Identity(2, 2);
  const auto no_lag = coefficient_table(f);
  ASSERT_EQ(no_lag.size(), 2u);
  EXPECT_EQ(no_lag[1].term, "X");
  f.covariance = Matrix::Identity(4, 4);
  EXPECT_THROW(coefficient_table(f), Error);
}

// y = 0.3 + 0.8 x + e, 2,000 draws, OLS by hand with the classical covariance: the 95% interval
// of the slope holds 0.8 (at this seed the estimate is within one standard error of it).
TEST(CoefficientTable, TheIntervalCoversAKnownSlopeOnSimulatedData) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n(0.0, 1.0);
  const int rows = 2000;
  Matrix X(rows, 2);
  Vector y(rows);
  for (int t = 0; t < rows; ++t) {
    X(t, 0) = 1.0;
    X(t, 1) = n(rng);
    y(t) = 0.3 + 0.8 * X(t, 1) + n(rng);
  }
  const Matrix xtx_inv = (X.transpose() * X).inverse();
  const Vector b = xtx_inv * X.transpose() * y;
  const double s2 = (y - X * b).squaredNorm() / (rows - 2);
  FittedEquation f;
  f.node = "y";
  f.parents = {"x"};
  f.intercept = b(0);
  f.beta = {b(1)};
  f.covariance = s2 * xtx_inv;
  const auto t = coefficient_table(f);
  EXPECT_LT(t[1].ci_low, 0.8);
  EXPECT_GT(t[1].ci_high, 0.8);
  EXPECT_NEAR(t[1].se, 1.0 / std::sqrt(rows), 0.003);  // sigma / sqrt(n var x), unit variances
}

}  // namespace
}  // namespace mre::scm
