// k-means against a six-point example worked by hand, scikit-learn 1.2's KMeans(algorithm="lloyd")
// from the same initial centres on 2,000 rows of four overlapping Gaussian blobs, the
// best-of-n_init rule, k-means++ seeding, and the refusal of bad input.
#include "mre/regimes/kmeans/kmeans.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "support/matrix_csv.h"
#include "support/test_support.h"

namespace mre::regimes::kmeans {
namespace {

// Six points in two obvious groups; the initial centres are the first two points, so the first
// Lloyd step puts (1,2) and the far group together and a second step is needed.
Matrix six_points() {
  return (Matrix(6, 2) << 1, 1,  //
          1, 2,                  //
          2, 1,                  //
          8, 8,                  //
          8, 9,                  //
          9, 8)
      .finished();
}
Matrix first_two_points() { return (Matrix(2, 2) << 1, 1, 1, 2).finished(); }

// Four overlapping Gaussian blobs in 5-D (centres about 4.4 apart, standard deviations 0.8-1.5),
// blob drawn at random for each row: a realistic k-means problem with many boundary points.
Matrix four_blobs(int rows, std::uint64_t seed) {
  const Matrix centres = (Matrix(4, 5) << 0, 0, 0, 0, 0,  //
                          3, 3, 0, 0, 1,                  //
                          0, 3, 3, -1, 0,                 //
                          3, 0, -2, 2, 2)
                             .finished();
  const double sd[4] = {1.0, 1.2, 0.8, 1.5};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> blob(0, 3);
  std::normal_distribution<double> z;
  Matrix out(rows, 5);
  for (int t = 0; t < rows; ++t) {
    const int b = blob(rng);
    for (int d = 0; d < 5; ++d) out(t, d) = centres(b, d) + sd[b] * z(rng);
  }
  return out;
}

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

TEST(KMeans, SixPointExampleConvergesToTheHandComputedClusters) {
  // By hand (squared distances), starting from c0 = (1,1), c1 = (1,2):
  //  step 1: (2,1) is 1 from c0 and 2 from c1 -> c0; (8,8), (8,9), (9,8) are nearer c1 (85 < 98,
  //          98 < 113, 100 < 113) -> labels 0 1 0 1 1 1, centres (1.5, 1) and (26/4, 27/4);
  //  step 2: (1,2) is now 1.25 from c0 and 52.8 from c1 -> labels 0 0 0 1 1 1, centres (4/3, 4/3)
  //          and (25/3, 25/3);
  //  step 3: labels unchanged, centres unchanged (shift 0) -> converged after 3 iterations.
  // Inertia: each group has squared distances 2/9 + 5/9 + 5/9 = 4/3 -> 8/3.
  const auto fit = fit_from(six_points(), first_two_points(), {});
  EXPECT_EQ(fit.labels, (std::vector<int>{0, 0, 0, 1, 1, 1}));
  // 1e-15: one division (4/3, 25/3) rounded, relative to values of order 1-10.
  EXPECT_NEAR(fit.centers(0, 0), 4.0 / 3.0, 1e-15);
  EXPECT_NEAR(fit.centers(0, 1), 4.0 / 3.0, 1e-15);
  EXPECT_NEAR(fit.centers(1, 0), 25.0 / 3.0, 1e-14);
  EXPECT_NEAR(fit.centers(1, 1), 25.0 / 3.0, 1e-14);
  EXPECT_NEAR(fit.inertia, 8.0 / 3.0, 1e-14);  // six rounded squares summed
  EXPECT_EQ(fit.iterations, 3);
  EXPECT_TRUE(fit.converged);
}

TEST(KMeans, StoppingAtMaxIterReportsNotConvergedWithLabelsOfTheLastCentres) {
  // One Lloyd step (see above): centres (1.5, 1) and (6.5, 6.75); the final E-step then assigns
  // (1,2) to c0 (1.25 < 52.8125). Inertia by hand: group 0: 0.25 + 1.25 + 0.25 = 1.75; group 1:
  // (8,8) 2.25 + 1.5625, (8,9) 2.25 + 5.0625, (9,8) 6.25 + 1.5625 -> 18.9375; total 20.6875.
  // Every number here is a short binary fraction, so the arithmetic is exact.
  const auto fit = fit_from(six_points(), first_two_points(), {.max_iter = 1});
  EXPECT_FALSE(fit.converged);
  EXPECT_EQ(fit.iterations, 1);
  EXPECT_EQ(fit.labels, (std::vector<int>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(fit.centers, (Matrix(2, 2) << 1.5, 1.0, 6.5, 6.75).finished());
  EXPECT_EQ(fit.inertia, 20.6875);
}

TEST(KMeans, AClusterNoRowChoosesTakesTheRowFarthestFromItsCentre) {
  // Five points; the third start (100, 100) is nearer no row. By hand:
  //  step 1: labels 0 0 0 1 1, cluster 2 empty. Squared distances to the own (old) centre:
  //          0, 1, 9, 0, 1 -> (0,3) is the farthest; it leaves cluster 0 and becomes centre 2.
  //          Centres (0, 0.5), (10, 0.5), (0, 3).
  //  step 2: labels 0 0 2 1 1, centres unchanged (shift 0) -> converged after 2 iterations.
  // Inertia 4 x 0.25 = 1. Keeping (100, 100) would give centres (0, 4/3), (10, 0.5) and inertia
  // 42/9 + 0.5 = 5.17: the test fails without the relocation.
  const Matrix data = (Matrix(5, 2) << 0, 0,  //
                       0, 1,                  //
                       0, 3,                  //
                       10, 0,                 //
                       10, 1)
                          .finished();
  const Matrix start = (Matrix(3, 2) << 0, 0, 10, 0, 100, 100).finished();
  const auto fit = fit_from(data, start, {});
  EXPECT_EQ(fit.labels, (std::vector<int>{0, 0, 2, 1, 1}));
  // Exact: every value is a short binary fraction.
  EXPECT_EQ(fit.centers, (Matrix(3, 2) << 0, 0.5, 10, 0.5, 0, 3).finished());
  EXPECT_EQ(fit.inertia, 1.0);
  EXPECT_EQ(fit.iterations, 2);
  EXPECT_TRUE(fit.converged);
}

TEST(KMeans, TwoEmptyClustersTakeTheFarRowsInDescendingDistance) {
  // Rows 0..5 on a line: 0, 1, 2, 4, 7, 20 (one column); starts 0, 1000, 2000: all rows choose
  // cluster 0 first. Distances to centre 0: 0, 1, 4, 16, 49, 400 -> 20 goes to cluster 1 and 7
  // to cluster 2; cluster 0 keeps 0, 1, 2, 4 (mean 7/4).
  //  step 2: 0, 1, 2, 4 nearer 1.75 than 7 (4 is 5.06 from 1.75 and 9 from 7) -> unchanged;
  //          converged after 2 iterations with inertia 1.75^2 + 0.75^2 + 0.25^2 + 2.25^2 = 8.75.
  const Matrix data = (Matrix(6, 1) << 0, 1, 2, 4, 7, 20).finished();
  const Matrix start = (Matrix(3, 1) << 0, 1000, 2000).finished();
  const auto fit = fit_from(data, start, {});
  EXPECT_EQ(fit.labels, (std::vector<int>{0, 0, 0, 0, 2, 1}));
  EXPECT_EQ(fit.centers, (Matrix(3, 1) << 1.75, 20, 7).finished());
  EXPECT_EQ(fit.inertia, 8.75);
  EXPECT_EQ(fit.iterations, 2);
}

TEST(KMeans, RowsThatAllSitOnTheirCentresAreNotMovedToAnEmptyCluster) {
  // Two distinct rows, three clusters: after step 1 every row is at distance 0 from its centre,
  // cluster 2 is empty, and there is nothing to gain by moving a row. The empty cluster keeps its
  // start. (A documented deviation: scikit-learn 1.2 moves a row at distance 0 anyway, here a 5,
  // and ends with centres 1, 5, 5 and the same inertia, 0.)
  const Matrix data = (Matrix(4, 1) << 1, 1, 5, 5).finished();
  const Matrix start = (Matrix(3, 1) << 1, 5, 9).finished();
  const auto fit = fit_from(data, start, {});
  EXPECT_EQ(fit.labels, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(fit.centers, (Matrix(3, 1) << 1, 5, 9).finished());
  EXPECT_EQ(fit.inertia, 0.0);
  EXPECT_TRUE(fit.converged);
}

TEST(KMeans, ToleranceIsScaledByTheMeanPopulationVarianceOfTheFeatures) {
  // Centre shifts (sum over clusters of squared moves), by hand from the steps above:
  //   step 1: 0.25 + (5.5^2 + 4.75^2) = 53.0625; step 2: (1/6^2 + 1/3^2) + ((11/6)^2 + (19/12)^2)
  //   = 865/144 = 6.007; step 3: 0.
  // Per-feature variance (ddof 0, as numpy.var in sklearn's _tolerance): both columns have values
  // {1,1,2,8,8,9}: 215/6 - (29/6)^2 = 449/36 = 12.472; the mean over features is the same.
  // tol = 1: threshold 12.47 >= 6.007 -> stops after step 2 (an unscaled tol of 1 would not).
  const auto scaled = fit_from(six_points(), first_two_points(), {.tol = 1.0});
  EXPECT_EQ(scaled.iterations, 2);
  EXPECT_TRUE(scaled.converged);
  // tol = 0.45: threshold 5.61 < 6.007 -> needs step 3. With ddof 1 (14.97 * 0.45 = 6.74) or the
  // sum of the variances instead of the mean it would have stopped after step 2.
  const auto tighter = fit_from(six_points(), first_two_points(), {.tol = 0.45});
  EXPECT_EQ(tighter.iterations, 3);
  EXPECT_TRUE(tighter.converged);
  // Both stop at the same fixed point: step 2's centres are already the final ones.
  EXPECT_EQ(scaled.labels, tighter.labels);
  EXPECT_NEAR(scaled.inertia, 8.0 / 3.0, 1e-14);  // as in the six-point example
}

TEST(KMeans, FitFromMatchesScikitLearnLloydFromTheSameInitialCentres) {
  if (std::system("/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no sklearn (Debian's python3-sklearn)";
  }
  const Matrix data = four_blobs(2000, 20240611);
  // Four starts: k-means++ for the true K = 4; four rows of one blob (a poor start that needs
  // many iterations); k-means++ for K = 6 (blobs get split, so many points sit on a boundary);
  // k-means++ for K = 4 with one centre moved far from every row (no row chooses it, so the
  // empty-cluster rule moves it to the row farthest from its centre).
  std::vector<Matrix> starts = {kmeans_plus_plus(data, 4, 3), Matrix(4, 5),
                                kmeans_plus_plus(data, 6, 11), kmeans_plus_plus(data, 4, 7)};
  starts[3].row(2).setConstant(50.0);
  int found = 0;  // the first four rows within 1 of blob 0's centre, the origin
  for (Eigen::Index t = 0; t < data.rows() && found < 4; ++t) {
    if (data.row(t).norm() < 1.0) starts[1].row(found++) = data.row(t);
  }
  ASSERT_EQ(found, 4);
  mre::testing::TempDir dir;
  mre::testing::write_file(dir / "data.csv", mre::testing::matrix_to_csv(data));
  // The script reads the data from argv[1] and the starts from argv[2:].
  const std::string script =
      "import sys\n"
      "import numpy as np\n"
      "from sklearn.cluster import KMeans\n"
      "X = np.loadtxt(sys.argv[1], delimiter=',')\n"
      "for path in sys.argv[2:]:\n"
      "    C = np.loadtxt(path, delimiter=',', ndmin=2)\n"
      "    km = KMeans(n_clusters=C.shape[0], init=C, n_init=1, algorithm='lloyd', max_iter=300,\n"
      "                tol=1e-4).fit(X)\n"
      "    print(repr(km.inertia_), km.n_iter_)\n"
      "    print(' '.join(str(v) for v in km.labels_))\n"
      "    print(' '.join(repr(v) for v in km.cluster_centers_.ravel()))\n";
  mre::testing::write_file(dir / "kmeans.py", script);
  std::string command = "/usr/bin/python3 " +
                        mre::testing::shell_quote((dir / "kmeans.py").string()) + " " +
                        mre::testing::shell_quote((dir / "data.csv").string());
  for (std::size_t s = 0; s < starts.size(); ++s) {
    const auto file = dir / ("init" + std::to_string(s) + ".csv");
    mre::testing::write_file(file, mre::testing::matrix_to_csv(starts[s]));
    command += " " + mre::testing::shell_quote(file.string());
  }
  const auto r = mre::testing::run_shell(command);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  for (std::size_t s = 0; s < starts.size(); ++s) {
    SCOPED_TRACE("start " + std::to_string(s));
    std::string line;
    double inertia = 0;
    int n_iter = 0;
    ASSERT_TRUE(std::getline(lines, line));
    std::istringstream(line) >> inertia >> n_iter;
    std::vector<int> labels;
    ASSERT_TRUE(std::getline(lines, line));
    {
      std::istringstream in(line);
      for (int v; in >> v;) labels.push_back(v);
    }
    std::vector<double> centres;
    ASSERT_TRUE(std::getline(lines, line));
    {
      std::istringstream in(line);
      for (double v; in >> v;) centres.push_back(v);
    }
    const auto ours = fit_from(data, starts[s], {.max_iter = 300, .tol = 1e-4});
    ASSERT_EQ(labels.size(), ours.labels.size());
    EXPECT_EQ(ours.labels, labels);
    // 1e-10 relative (the bound): the same sums in a different order (sklearn centres the
    // data and sums in threaded chunks) differ by ~1e-14 relative.
    EXPECT_NEAR(ours.inertia, inertia, 1e-10 * inertia);
    // Same stopping rule, so the same count: sklearn stops when the labels repeat, which is when
    // our centres stop moving (shift 0 <= tol); otherwise both stop at the first shift <= tol.
    EXPECT_EQ(ours.iterations, n_iter);
    EXPECT_TRUE(ours.converged);
    ASSERT_EQ(centres.size(), static_cast<std::size_t>(ours.centers.size()));
    for (Eigen::Index k = 0; k < ours.centers.rows(); ++k) {
      for (Eigen::Index d = 0; d < ours.centers.cols(); ++d) {
        // 1e-12: centres are means of ~300-500 values of order 1; rounding is ~1e-15.
        EXPECT_NEAR(ours.centers(k, d),
                    centres[static_cast<std::size_t>(k * ours.centers.cols() + d)], 1e-12);
      }
    }
  }
}

TEST(KMeans, FitKeepsTheRestartWithTheLowestInertia) {
  const Matrix data = four_blobs(600, 5);
  const KMeansConfig config{.n_clusters = 6, .n_init = 8, .seed = 1};
  // The restarts by hand: run r starts from k-means++ with seed config.seed + r.
  std::vector<KMeansFit> runs;
  for (int run = 0; run < config.n_init; ++run) {
    runs.push_back(fit_from(
        data,
        kmeans_plus_plus(data, config.n_clusters, config.seed + static_cast<std::uint64_t>(run)),
        config));
  }
  const auto best = std::min_element(
      runs.begin(), runs.end(),
      [](const KMeansFit& a, const KMeansFit& b) { return a.inertia < b.inertia; });
  // The test can only tell "lowest" from "first" or "last" if the restarts disagree and the best
  // is neither the first nor the last.
  const auto worst = std::max_element(
      runs.begin(), runs.end(),
      [](const KMeansFit& a, const KMeansFit& b) { return a.inertia < b.inertia; });
  ASSERT_GT(worst->inertia - best->inertia, 1.0);
  ASSERT_GT(runs.front().inertia, best->inertia);
  ASSERT_GT(runs.back().inertia, best->inertia);
  const auto fit = kmeans::fit(data, config);
  EXPECT_EQ(fit.inertia, best->inertia);  // the same computation: bit for bit
  EXPECT_EQ(fit.centers, best->centers);
  EXPECT_EQ(fit.labels, best->labels);
  // And a single restart is just the first run.
  KMeansConfig one = config;
  one.n_init = 1;
  EXPECT_EQ(kmeans::fit(data, one).inertia, runs.front().inertia);
}

TEST(KMeansPlusPlus, IsDeterministicForASeedAndPicksDistinctRows) {
  const Matrix data = four_blobs(300, 9);
  std::set<std::vector<Eigen::Index>> distinct_choices;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const Matrix a = kmeans_plus_plus(data, 8, seed);
    const Matrix b = kmeans_plus_plus(data, 8, seed);
    EXPECT_EQ(a, b) << "seed " << seed;
    ASSERT_EQ(a.rows(), 8);
    ASSERT_EQ(a.cols(), data.cols());
    std::vector<Eigen::Index> rows;
    for (Eigen::Index k = 0; k < a.rows(); ++k) {
      Eigen::Index row = -1;
      for (Eigen::Index t = 0; t < data.rows(); ++t) {
        if (data.row(t) == a.row(k)) row = t;
      }
      EXPECT_GE(row, 0) << "centre " << k << " is not a data row (seed " << seed << ")";
      rows.push_back(row);
    }
    std::vector<Eigen::Index> sorted = rows;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end())
        << "a row picked twice, seed " << seed;
    distinct_choices.insert(rows);
  }
  EXPECT_GT(distinct_choices.size(), 40u);  // the seed matters (50 seeds, 300^8 possible picks)
}

TEST(KMeansPlusPlus, NeverPicksAPointAnExistingCentreAlreadyCovers) {
  // Three copies of 0 and two of 100: after the first pick every copy of that value has weight 0,
  // so the second centre is always the other value (D^2 sampling, Arthur & Vassilvitskii 2007).
  const Matrix data = (Matrix(5, 1) << 0, 100, 0, 100, 0).finished();
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const Matrix c = kmeans_plus_plus(data, 2, seed);
    EXPECT_EQ(std::abs(c(0, 0) - c(1, 0)), 100.0) << "seed " << seed;
  }
}

TEST(KMeans, AssignReturnsTheNearestCentre) {
  const Matrix data = four_blobs(500, 17);
  const Matrix centres = kmeans_plus_plus(data, 5, 1);
  const auto labels = assign(data, centres);
  ASSERT_EQ(labels.size(), 500u);
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    const Vector direct = (centres.rowwise() - data.row(t)).rowwise().squaredNorm();
    Eigen::Index nearest = 0;
    direct.minCoeff(&nearest);
    EXPECT_EQ(labels[static_cast<std::size_t>(t)], nearest) << "row " << t;
  }
}

TEST(KMeans, AssignReturnsTheNearestCentreForDataFarFromTheOrigin) {
  // squared_distances expands |x - c|^2 as
  // |x|^2 - 2 x.c + |c|^2 on the raw data. For data around 1e7 (e.g. a level in millions) the
  // terms are ~3e14 and their rounding (~0.06) swamps squared distances of order 1, so points near
  // a boundary get the farther centre; fit_from then returns a higher inertia than from the same
  // start on the same data shifted to 0. scikit-learn avoids this by centring X (and the initial
  // centres) on the column means before Lloyd (sklearn/cluster/_kmeans.py, KMeans.fit).
  // The fix: compute distances on data and centres minus the data's column means (same
  // result in exact arithmetic), or use the direct (x - c)^2 for K small.
  // Two overlapping blobs in 3-D, 1.5 apart, shifted by 1e7; `near_zero` is the same data shifted
  // back, exactly (Sterbenz: x - 1e7 is exact for x in [5e6, 2e7]), so both fits see one data set.
  const double offset = 1e7;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z;
  Matrix far(2000, 3);
  for (Eigen::Index t = 0; t < far.rows(); ++t) {
    for (Eigen::Index d = 0; d < 3; ++d) far(t, d) = offset + (z(rng) + (t % 2 ? 1.5 : 0.0));
  }
  const Matrix near_zero = far.array() - offset;
  const Matrix start = near_zero.topRows(2);
  const auto reference = fit_from(near_zero, start, {});
  const Matrix far_centres = reference.centers.array() + offset;
  const auto labels = assign(far, far_centres);
  int wrong = 0;
  for (Eigen::Index t = 0; t < far.rows(); ++t) {
    // The direct differences are exact to ~2e-9 (one ulp of 1e7), far below the gaps that matter.
    const Vector direct = (far_centres.rowwise() - far.row(t)).rowwise().squaredNorm();
    Eigen::Index nearest = 0;
    direct.minCoeff(&nearest);
    wrong += labels[static_cast<std::size_t>(t)] != nearest;
  }
  EXPECT_EQ(wrong, 0);
  // The whole fit is translation invariant in exact arithmetic; 1e-9 relative allows the centres'
  // rounding at 1e7 (one ulp, 2e-9, per coordinate), not a different clustering.
  const auto shifted = fit_from(far, start.array() + offset, {});
  EXPECT_NEAR(shifted.inertia, reference.inertia, 1e-9 * reference.inertia);
  EXPECT_EQ(shifted.labels, reference.labels);
}

TEST(KMeans, NaNInTheDataIsRefused) {
  Matrix data = six_points();
  data(4, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(fit(data, {.n_clusters = 2}), Error);
  EXPECT_THROW(fit_from(data, first_two_points(), {}), Error);
}

TEST(KMeans, NonFiniteDataIsADataError) {
  // Non-finite data is a DataError (CONVENTIONS.md), not InvalidArgument; once it was checked only
  // for NaN, with check_arg (InvalidArgument). CONVENTIONS.md's error table puts non-finite input
  // data under DataError (exit 2 / HTTP 422), as the Gaussian HMM does ("column 1: non-finite value
  // in row 5"); and an infinite value passes the check and silently yields NaN inertia and
  // arbitrary labels. The fix: reject !data.allFinite() with ErrorCode::kDataError naming the first
  // bad column and row, in both fit and fit_from (and kmeans_plus_plus).
  Matrix with_nan = six_points();
  with_nan(4, 1) = std::numeric_limits<double>::quiet_NaN();
  expect_error([&] { fit(with_nan, {.n_clusters = 2}); }, ErrorCode::kDataError, "column 1");
  Matrix with_inf = six_points();
  with_inf(2, 1) = std::numeric_limits<double>::infinity();
  expect_error([&] { fit(with_inf, {.n_clusters = 2}); }, ErrorCode::kDataError, "column 1");
  expect_error([&] { fit_from(with_inf, first_two_points(), {}); }, ErrorCode::kDataError,
               "column 1");
}

TEST(KMeans, ClusterCountsOutsideOneToRowsAndZeroRestartsAreRefused) {
  expect_error([] { fit(six_points(), {.n_clusters = 7}); }, ErrorCode::kInvalidArgument,
               "n_clusters");
  expect_error([] { kmeans_plus_plus(six_points(), 7, 1); }, ErrorCode::kInvalidArgument,
               "n_clusters");
  expect_error([] { fit(six_points(), {.n_clusters = 0}); }, ErrorCode::kInvalidArgument,
               "n_clusters");
  expect_error([] { fit(six_points(), {.n_clusters = 2, .n_init = 0}); },
               ErrorCode::kInvalidArgument, "n_init");
  // Exactly as many clusters as rows is allowed: every point its own centre, inertia 0.
  EXPECT_EQ(fit(six_points(), {.n_clusters = 6, .n_init = 1}).inertia, 0.0);
}

}  // namespace
}  // namespace mre::regimes::kmeans
