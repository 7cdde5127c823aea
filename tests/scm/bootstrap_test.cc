// The residual block bootstrap of an SCM fit: bad settings refused, replicates independent of
// the thread count, percentile bands by hand, and the bootstrap's standard error of a
// coefficient against the fit's HAC standard error on simulated data.
#include "mre/scm/bootstrap.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mre/core/error.h"
#include "scm/bootstrap_support.h"
#include "support/test_support.h"

namespace mre::scm {
namespace {

using namespace mre::scm::testing;

Vector beta_stock(const Fitted& f, int) { return Vector::Constant(1, f.equations[4].beta[0]); }

TEST(Bootstrap, RefusesTooFewReplicatesAndBlocksLongerThanTheSample) {
  const Matrix x = small_sample(200, 1);
  const Fitted f = fit(small_graph(), x);
  int calls = 0;
  const auto stat = [&](const Fitted& m, int b) {
    ++calls;
    return beta_stock(m, b);
  };
  try {
    bootstrap(f, x, {.replicates = 49}, stat);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(mre::testing::contains(e.what(), "replicates")) << e.what();
    EXPECT_TRUE(mre::testing::contains(e.what(), "49")) << e.what();
  }
  try {
    bootstrap(f, x, {.replicates = 50, .block_length = 200}, stat);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(mre::testing::contains(e.what(), "block length")) << e.what();
    EXPECT_TRUE(mre::testing::contains(e.what(), "1..199")) << e.what();
  }
  EXPECT_THROW(bootstrap(f, x, {.replicates = 50, .block_length = 0}, stat), Error);
  EXPECT_EQ(calls, 0);  // refused before any work
}

TEST(Bootstrap, ReplicatesDependOnTheSeedNotOnTheThreads) {
  const Matrix x = small_sample(300, 2);
  const Fitted f = fit(small_graph(), x);
  const Matrix one =
      bootstrap(f, x, {.replicates = 60, .block_length = 10, .seed = 5, .threads = 1}, beta_stock);
  const Matrix two =
      bootstrap(f, x, {.replicates = 60, .block_length = 10, .seed = 5, .threads = 2}, beta_stock);
  const Matrix other =
      bootstrap(f, x, {.replicates = 60, .block_length = 10, .seed = 6, .threads = 2}, beta_stock);
  EXPECT_EQ(one, two);  // bit for bit
  EXPECT_NE(one, other);
}

TEST(Bootstrap, GenerateWithTheAbductedShocksRebuildsTheData) {
  const Matrix x = small_sample(300, 4);
  const Fitted f = fit(small_graph(), x);
  const Matrix again = generate(f, x, abduct(f, x));
  // 1e-12: x - structural + structural rounds to within a few ulps of daily changes of order 1.
  EXPECT_LT((again - x).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Bootstrap, PercentileBandsByHand) {
  std::vector<double> v;
  for (int i = 101; i >= 1; --i) v.push_back(i);
  // Type 7 on 1..101: quantile p is 1 + 100 p.
  const Band b = percentile_band(50.0, v);
  EXPECT_DOUBLE_EQ(b.estimate, 50.0);
  EXPECT_DOUBLE_EQ(b.lo95, 3.5);
  EXPECT_DOUBLE_EQ(b.lo90, 6.0);
  EXPECT_DOUBLE_EQ(b.hi90, 96.0);
  EXPECT_DOUBLE_EQ(b.hi95, 98.5);
  EXPECT_THROW(percentile_band(0.0, {}), Error);
}

TEST(Bootstrap, StandardErrorMatchesTheHacStandardError) {
  // i.i.d. Gaussian shocks: the bootstrap's spread of STOCK's coefficient on BONDS and the OLS
  // (HAC) standard error estimate the same thing.
  const Matrix x = small_sample(2000, 3);
  const Fitted f = fit(small_graph(), x);
  const Matrix draws =
      bootstrap(f, x, {.replicates = 400, .block_length = 20, .seed = 9}, beta_stock);
  const double mean = draws.col(0).mean();
  const double sd = std::sqrt((draws.col(0).array() - mean).square().sum() /
                              static_cast<double>(draws.rows() - 1));
  const double hac = std::sqrt(f.equations[4].covariance(2, 2));
  // 20%: the bootstrap SD from 400 replicates has ~3.5% sampling error, the HAC SE its own
  // small-sample error; a wrong resampling (shocks rows misaligned, no refit) is off by far more.
  EXPECT_NEAR(sd / hac, 1.0, 0.2) << sd << " vs " << hac;
  EXPECT_NEAR(mean, f.equations[4].beta[0], 3 * sd / std::sqrt(400.0) + 0.01);
}

}  // namespace
}  // namespace mre::scm
