// The hand-written random forest against scikit-learn's RandomForestRegressor with the same
// settings on the same data: the two are different random draws of the same estimator, so they
// are compared by out-of-sample error and by the agreement of their predictions.
#include "mre/causal/forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

#include "support/test_support.h"

namespace mre::causal {
namespace {

TEST(Forest, MatchesScikitLearnsRandomForestOutOfSample) {
  std::mt19937_64 rng(12);
  std::normal_distribution<double> z;
  const int n = 700;
  Matrix X(n, 4);
  Vector y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 4; ++j) X(i, j) = z(rng);
    y(i) = std::sin(2 * X(i, 0)) + X(i, 1) * X(i, 1) - 0.5 * X(i, 2) + 0.2 * z(rng);
  }
  const int train = 500;
  testing::TempDir dir;
  const auto write = [&](const std::string& name, int from, int to) {
    std::ostringstream csv;
    csv.precision(17);
    csv << "y,x1,x2,x3,x4\n";
    for (int i = from; i < to; ++i)
      csv << y(i) << "," << X(i, 0) << "," << X(i, 1) << "," << X(i, 2) << "," << X(i, 3) << "\n";
    testing::write_file(dir / name, csv.str());
  };
  write("train.csv", 0, train);
  write("test.csv", train, n);
  const auto r =
      testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                         "/tests/causal/reference_forest.py " + (dir / "train.csv").string() + " " +
                         (dir / "test.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  Vector theirs(n - train);
  for (int i = 0; i < n - train; ++i) lines >> theirs(i);
  RandomForest forest({.trees = 100, .max_depth = 6});
  forest.fit(X.topRows(train), y.head(train));
  const Vector ours = forest.predict(X.bottomRows(n - train));
  const Vector truth = y.tail(n - train);
  const double mse_ours = (ours - truth).squaredNorm() / (n - train);
  const double mse_theirs = (theirs - truth).squaredNorm() / (n - train);
  // Same estimator, different random draws: test errors within 15% of each other, and the
  // predictions strongly correlated (both track the same function).
  EXPECT_LT(std::abs(mse_ours - mse_theirs), 0.15 * mse_theirs) << mse_ours << " vs " << mse_theirs;
  const double corr = ((ours.array() - ours.mean()) * (theirs.array() - theirs.mean())).sum() /
                      std::sqrt((ours.array() - ours.mean()).square().sum() *
                                (theirs.array() - theirs.mean()).square().sum());
  EXPECT_GT(corr, 0.97) << corr;
  // A stump on a step function: exact.
  Matrix step(10, 1);
  Vector v(10);
  for (int i = 0; i < 10; ++i) {
    step(i, 0) = i;
    v(i) = i < 5 ? 1.0 : 3.0;
  }
  RandomForest stump({.trees = 1, .max_depth = 1, .seed = 1});
  stump.fit(step, v);
  const Vector p = stump.predict(step);
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(p(i), i < 5 ? 1.0 : 3.0) << i;
}

}  // namespace
}  // namespace mre::causal
