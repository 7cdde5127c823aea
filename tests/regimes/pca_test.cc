// PCA against hand-computed correlation matrices, scikit-learn 1.2's StandardScaler + PCA (and
// PCA alone) on 500 x 6 correlated Gaussian data in mixed units, the properties of the scores,
// and the refusal of bad input.
#include "mre/regimes/pca/pca.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "support/matrix_csv.h"
#include "support/test_support.h"

namespace mre::regimes::pca {
namespace {

template <typename Call>
void expect_error(Call&& call, ErrorCode code, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// 500 x 6: standard normals mixed by a fixed triangular matrix (so the columns are correlated and
// the correlation matrix has well separated eigenvalues), then put in very different units and
// levels, so that standardising matters.
Matrix correlated_data(int rows, std::uint64_t seed) {
  const Matrix mix = (Matrix(6, 6) << 1.0, 0.8, 0.6, 0.4, 0.2, 0.0,  //
                      0.0, 0.6, 0.5, 0.3, 0.1, 0.3,                  //
                      0.0, 0.0, 0.6, 0.5, 0.4, 0.2,                  //
                      0.0, 0.0, 0.0, 0.7, 0.3, 0.5,                  //
                      0.0, 0.0, 0.0, 0.0, 0.8, 0.2,                  //
                      0.0, 0.0, 0.0, 0.0, 0.0, 0.7)
                         .finished();
  const RowVector unit = (RowVector(6) << 1.0, 10.0, 0.01, 1000.0, 5.0, 0.2).finished();
  const RowVector level = (RowVector(6) << 0.0, 100.0, -3.0, 5e4, 1.0, 0.0).finished();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Matrix normals(rows, 6);
  for (Eigen::Index t = 0; t < normals.rows(); ++t) {
    for (Eigen::Index d = 0; d < 6; ++d) normals(t, d) = z(rng);
  }
  Matrix out = (normals * mix) * unit.asDiagonal();
  out.rowwise() += level;
  return out;
}

std::vector<double> numbers(const std::string& line) {
  std::istringstream in(line);
  std::vector<double> out;
  for (double v; in >> v;) out.push_back(v);
  return out;
}

TEST(Pca, PerfectlyCorrelatedPairHasOneComponentExplainingEverything) {
  // y = 2x + 1: standardised, both columns equal z = (x - 3) / sqrt(2.5) (sample variance of
  // 1..5 is 10/4; of y, 40/4 = 10). Correlation matrix [[1, 1], [1, 1]]: eigenvalues 2 and 0,
  // eigenvectors (1, 1)/sqrt(2) and (1, -1)/sqrt(2). Ratio 2/2 = 1.
  const Matrix data = (Matrix(5, 2) << 1, 3, 2, 5, 3, 7, 4, 9, 5, 11).finished();
  const auto fit = pca::fit(data, {.n_components = 2});
  // 1e-15 .. 1e-14: a few ulps of a 2 x 2 symmetric eigen-solve and one square root.
  EXPECT_NEAR(fit.center(0), 3.0, 1e-15);
  EXPECT_NEAR(fit.center(1), 7.0, 1e-15);
  EXPECT_NEAR(fit.scale(0), std::sqrt(2.5), 1e-15);
  EXPECT_NEAR(fit.scale(1), std::sqrt(10.0), 1e-15);
  EXPECT_NEAR(fit.explained_variance(0), 2.0, 1e-14);
  EXPECT_NEAR(fit.explained_variance(1), 0.0, 1e-14);
  EXPECT_NEAR(fit.explained_variance_ratio(0), 1.0, 1e-14);
  EXPECT_NEAR(fit.explained_variance_ratio(1), 0.0, 1e-14);
  // The sign rule (largest |entry| positive) makes the first loading (+, +).
  EXPECT_NEAR(fit.loadings(0, 0), 1.0 / std::sqrt(2.0), 1e-14);
  EXPECT_NEAR(fit.loadings(1, 0), 1.0 / std::sqrt(2.0), 1e-14);
  // The second loading has entries of equal size, so its sign is arbitrary: check up to sign.
  EXPECT_NEAR(std::abs(fit.loadings(0, 1)), 1.0 / std::sqrt(2.0), 1e-14);
  EXPECT_NEAR(fit.loadings(0, 1), -fit.loadings(1, 1), 1e-14);
  // Scores: z * sqrt(2) = (x - 3) * sqrt(2 / 2.5) = (x - 3) * sqrt(0.8).
  const Matrix scores = transform(fit, data);
  for (Eigen::Index t = 0; t < 5; ++t) {
    EXPECT_NEAR(scores(t, 0), (data(t, 0) - 3.0) * std::sqrt(0.8), 1e-14) << "row " << t;
    EXPECT_NEAR(scores(t, 1), 0.0, 1e-14) << "row " << t;  // nothing left for the second
  }
}

TEST(Pca, HalfCorrelatedPairSplitsThreeQuartersToOneQuarter) {
  // x = (1, 2, 3), y = (1, 3, 2): deviations (-1, 0, 1) and (-1, 1, 0); sample variances 1 and 1,
  // covariance (1 + 0 + 0)/2 = 0.5, so the correlation is 0.5. Eigenvalues of [[1, r], [r, 1]] are
  // 1 + r = 1.5 and 1 - r = 0.5; ratios 0.75 and 0.25.
  const Matrix data = (Matrix(3, 2) << 1, 1, 2, 3, 3, 2).finished();
  const auto fit = pca::fit(data, {.n_components = 2});
  EXPECT_NEAR(fit.explained_variance(0), 1.5, 1e-14);  // a few ulps of the eigen-solve
  EXPECT_NEAR(fit.explained_variance(1), 0.5, 1e-14);
  EXPECT_NEAR(fit.explained_variance_ratio(0), 0.75, 1e-14);
  EXPECT_NEAR(fit.explained_variance_ratio(1), 0.25, 1e-14);
  EXPECT_NEAR(fit.loadings(0, 0), 1.0 / std::sqrt(2.0), 1e-14);
  EXPECT_NEAR(fit.loadings(1, 0), 1.0 / std::sqrt(2.0), 1e-14);
  // Asking for fewer components keeps the ratio relative to the total variance (as sklearn).
  const auto one = pca::fit(data, {.n_components = 1});
  ASSERT_EQ(one.explained_variance_ratio.size(), 1);
  EXPECT_NEAR(one.explained_variance_ratio(0), 0.75, 1e-14);
}

TEST(Pca, MatchesScikitLearnStandardScalerThenPca) {
  if (std::system("/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no sklearn (Debian's python3-sklearn)";
  }
  const Matrix data = correlated_data(500, 20240611);
  const double T = static_cast<double>(data.rows());
  mre::testing::TempDir dir;
  mre::testing::write_file(dir / "x.csv", mre::testing::matrix_to_csv(data));
  const std::string script =
      "import sys\n"
      "import numpy as np\n"
      "from sklearn.preprocessing import StandardScaler\n"
      "from sklearn.decomposition import PCA\n"
      "X = np.loadtxt(sys.argv[1], delimiter=',')\n"
      "p = PCA(n_components=6, svd_solver='full').fit(StandardScaler().fit_transform(X))\n"
      "print(' '.join(repr(v) for v in p.explained_variance_ratio_))\n"
      "print(' '.join(repr(v) for v in p.explained_variance_))\n"
      "print(' '.join(repr(v) for v in p.components_.ravel()))\n"
      "q = PCA(n_components=6, svd_solver='full').fit(X)\n"
      "print(' '.join(repr(v) for v in q.explained_variance_ratio_))\n"
      "print(' '.join(repr(v) for v in q.explained_variance_))\n";
  mre::testing::write_file(dir / "pca.py", script);
  const auto r = mre::testing::run_shell("/usr/bin/python3 " +
                                         mre::testing::shell_quote((dir / "pca.py").string()) +
                                         " " + mre::testing::shell_quote((dir / "x.csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(numbers(line));
  ASSERT_EQ(rows.size(), 5u) << r.out;
  const auto& ratio = rows[0];
  const auto& variance = rows[1];
  const auto& components = rows[2];  // C x D, row-major: components_[c, d]
  const auto& raw_ratio = rows[3];
  const auto& raw_variance = rows[4];
  ASSERT_EQ(ratio.size(), 6u);
  ASSERT_EQ(components.size(), 36u);

  const auto fit = pca::fit(data, {.n_components = 6});
  // The loadings tolerance below relies on well separated eigenvalues: an eigenvector's rounding
  // error is about eps * |R| / gap (Davis-Kahan), with |R| <= 6 here.
  for (int c = 0; c + 1 < 6; ++c) {
    ASSERT_GT(fit.explained_variance(c) - fit.explained_variance(c + 1), 0.02) << c;
  }
  for (int c = 0; c < 6; ++c) {
    SCOPED_TRACE("component " + std::to_string(c));
    const auto k = static_cast<std::size_t>(c);
    // The ratio is invariant to the ddof of the standardisation (ours 1, StandardScaler's 0: the
    // covariance matrices differ by the scalar T/(T-1)). 1e-10: the bound; both sides are
    // eigenvalues over a trace of one matrix up to ~1e-15 rounding.
    EXPECT_NEAR(fit.explained_variance_ratio(c), ratio[k], 1e-10);
    // Their scaled data are ours times sqrt(T/(T-1)), so their eigenvalues (PCA uses ddof 1 on
    // its input) are ours times T/(T-1): ours = theirs * (T-1)/T. 1e-10 relative, as above.
    EXPECT_NEAR(fit.explained_variance(c), variance[k] * (T - 1.0) / T, 1e-10 * variance[k]);
    // Loadings equal up to sign: an eigenvector is defined only up to sign, and sklearn fixes it
    // by svd_flip on U (the scores), we by the largest loading. 1e-8: far above the eps*6/0.02
    // ~ 1e-13 rounding bound, far below any real difference.
    double dot = 0;
    for (int d = 0; d < 6; ++d) {
      dot += fit.loadings(d, c) * components[k * 6 + static_cast<std::size_t>(d)];
    }
    const double sign = dot < 0 ? -1.0 : 1.0;
    for (int d = 0; d < 6; ++d) {
      EXPECT_NEAR(fit.loadings(d, c), sign * components[k * 6 + static_cast<std::size_t>(d)], 1e-8)
          << "feature " << d;
    }
  }
  // Fewer components: the same leading values, the ratio still relative to the total variance.
  const auto three = pca::fit(data, {.n_components = 3});
  ASSERT_EQ(three.loadings.cols(), 3);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(three.explained_variance_ratio(c), ratio[static_cast<std::size_t>(c)], 1e-10);
  }

  // Without standardising: PCA of the covariance matrix, ddof 1 on both sides, so the eigenvalues
  // agree directly. Weyl's inequality bounds each eigenvalue's rounding by eps * the largest one,
  // so the tolerance is relative to the largest (the units span 0.01 to 1000).
  const auto raw = pca::fit(data, {.n_components = 6, .standardise = false});
  EXPECT_EQ(raw.scale, Vector::Ones(6));
  for (int c = 0; c < 6; ++c) {
    const auto k = static_cast<std::size_t>(c);
    EXPECT_NEAR(raw.explained_variance(c), raw_variance[k], 1e-10 * raw_variance[0]) << c;
    EXPECT_NEAR(raw.explained_variance_ratio(c), raw_ratio[k], 1e-10) << c;
  }
}

TEST(Pca, ScoresHaveTheExplainedVariancesAndAreUncorrelated) {
  const Matrix data = correlated_data(500, 7);
  const auto fit = pca::fit(data, {.n_components = 6});
  const Matrix scores = transform(fit, data);
  ASSERT_EQ(scores.rows(), 500);
  ASSERT_EQ(scores.cols(), 6);
  // Scores are Z L with Z the standardised data: mean 0, covariance L' R L = diag(eigenvalues).
  // 1e-12: sums of 500 products of order-1 numbers, relative rounding ~1e-15 per term.
  const RowVector mean = scores.colwise().mean();
  EXPECT_LT(mean.cwiseAbs().maxCoeff(), 1e-12);
  const Matrix centred = scores.rowwise() - mean;
  const Matrix covariance = centred.transpose() * centred / 499.0;  // ddof 1, as explained_variance
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(covariance(i, i), fit.explained_variance(i), 1e-12) << i;
    for (int j = 0; j < 6; ++j) {
      if (i != j) {
        EXPECT_NEAR(covariance(i, j), 0.0, 1e-12) << i << "," << j;
      }
    }
  }
  // Standardised: the variances add up to the number of features (trace of a correlation matrix).
  EXPECT_NEAR(fit.explained_variance.sum(), 6.0, 1e-12);
  EXPECT_NEAR(fit.explained_variance_ratio.sum(), 1.0, 1e-14);
  // Ordered largest first, unit loadings, and the documented sign rule.
  for (int c = 0; c < 6; ++c) {
    if (c > 0) {
      EXPECT_GE(fit.explained_variance(c - 1), fit.explained_variance(c));
    }
    EXPECT_NEAR(fit.loadings.col(c).norm(), 1.0, 1e-14);
    Eigen::Index largest = 0;
    fit.loadings.col(c).cwiseAbs().maxCoeff(&largest);
    EXPECT_GT(fit.loadings(largest, c), 0.0) << "component " << c;
  }
  // New rows are scored with the fitted centre and scale, not their own.
  const Matrix row = data.row(17);
  EXPECT_LT((transform(fit, row) - scores.row(17)).cwiseAbs().maxCoeff(), 1e-12);
  expect_error([&] { transform(fit, data.leftCols(5)); }, ErrorCode::kInvalidArgument, "data");
}

TEST(Pca, ConstantColumnIsADataErrorNamingTheColumn) {
  Matrix data = correlated_data(50, 3);
  data.col(2).setConstant(5.0);
  expect_error([&] { pca::fit(data, {.n_components = 2}); }, ErrorCode::kDataError, "column 2");
  // Without standardising a constant column is harmless: it adds a zero eigenvalue.
  const auto raw = pca::fit(data, {.n_components = 6, .standardise = false});
  EXPECT_NEAR(raw.explained_variance(5), 0.0,
              1e-9 * raw.explained_variance(0));  // Weyl: eps * largest
}

TEST(Pca, ConstantColumnWithAnInexactValueIsADataError) {
  // Constancy must be tested on the data, not as !(scale > 0): a column holding 0.1 on
  // every row has a mean that is not exactly 0.1 (0.1 has no exact binary form and the sum of 100
  // copies rounds), so the centred column is ~1e-17 noise, its "std" ~3e-17 > 0, and standardising
  // blows the noise up to unit variance: a fake component with half the variance, no error.
  // The fix: test constancy on the data, (col.array() == col(0)).all(), or like sklearn's
  // StandardScaler (_is_constant_feature) treat var <= T*eps*var + (T*eps*|mean|)^2 as constant.
  Matrix data(100, 2);
  for (Eigen::Index t = 0; t < 100; ++t) {
    data(t, 0) = 0.37 * static_cast<double>(t) + static_cast<double>(t % 3);
    data(t, 1) = 0.1;
  }
  expect_error([&] { pca::fit(data, {.n_components = 1}); }, ErrorCode::kDataError, "column 1");
}

TEST(Pca, ComponentsOutOfRangeAreInvalidArguments) {
  const Matrix data = correlated_data(40, 1);
  expect_error([&] { pca::fit(data, {.n_components = 0}); }, ErrorCode::kInvalidArgument,
               "n_components");
  expect_error([&] { pca::fit(data, {.n_components = 7}); }, ErrorCode::kInvalidArgument,
               "n_components");
  expect_error([&] { pca::fit(data.topRows(1), {.n_components = 2}); }, ErrorCode::kInvalidArgument,
               "data");
  EXPECT_EQ(pca::fit(data, {.n_components = 6}).loadings.cols(), 6);  // D itself is allowed
}

TEST(Pca, NaNInTheDataIsRefused) {
  Matrix data = correlated_data(40, 1);
  data(3, 4) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(pca::fit(data, {.n_components = 2}), Error);
}

TEST(Pca, NonFiniteDataIsADataErrorNamingTheColumn) {
  // Non-finite data is a DataError (not InvalidArgument, as it once was); the error
  // table of CONVENTIONS.md puts non-finite input data under DataError, as the Gaussian HMM does.
  // An infinite value passes that check and is then reported as "column 4 is constant" (its std
  // is NaN), which is false. The fix: before centring, find the first non-finite value and
  // throw ErrorCode::kDataError "column <d>: non-finite value in row <t>".
  Matrix with_nan = correlated_data(40, 1);
  with_nan(3, 4) = std::numeric_limits<double>::quiet_NaN();
  expect_error([&] { pca::fit(with_nan, {.n_components = 2}); }, ErrorCode::kDataError, "column 4");
  Matrix with_inf = correlated_data(40, 1);
  with_inf(3, 4) = std::numeric_limits<double>::infinity();
  try {
    pca::fit(with_inf, {.n_components = 2});
    ADD_FAILURE() << "an infinite value was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError) << e.what();
    EXPECT_EQ(std::string(e.what()).find("constant"), std::string::npos)
        << "misdiagnosed: " << e.what();
  }
}

}  // namespace
}  // namespace mre::regimes::pca
