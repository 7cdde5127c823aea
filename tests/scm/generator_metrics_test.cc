// The Quant GAN metrics (scm/generator_metrics.h): hand-computed cases, and the whole score
// against an independent numpy/scipy reference (tests/scm/reference_generator_metrics.py) on the
// same samples.
#include "mre/scm/generator_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <string>

#include "mre/core/error.h"
#include "mre/scm/garch.h"
#include "mre/scm/random.h"
#include "support/test_support.h"

namespace mre::scm {
namespace {

Vector of(std::initializer_list<double> v) {
  Vector out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (const double x : v) out(i++) = x;
  return out;
}

TEST(GeneratorMetrics, LagReturnsAreOverlappingSums) {
  const Vector r = lag_returns(of({1, 2, 3, 4}), 2);
  ASSERT_EQ(r.size(), 3);
  EXPECT_EQ(r(0), 3);
  EXPECT_EQ(r(1), 5);
  EXPECT_EQ(r(2), 7);
  EXPECT_EQ(lag_returns(of({1, 2, 3, 4}), 4)(0), 10);
  EXPECT_THROW(lag_returns(of({1, 2, 3}), 4), Error);
}

TEST(GeneratorMetrics, WassersteinByHand) {
  // F_a jumps to 1/2 at 0 and 1 at 1; F_b to 1/2 at 0 and 1 at 2: they differ by 1/2 on [1, 2).
  EXPECT_DOUBLE_EQ(wasserstein1(of({0, 1}), of({0, 2})), 0.5);
  // A shift by c moves every unit of mass by c.
  EXPECT_NEAR(wasserstein1(of({0.3, -1.2, 2.5, 0.0}), of({1.3, -0.2, 3.5, 1.0})), 1.0, 1e-15);
  // Unequal sizes: {0} against {0, 1}: |1 - 1/2| on [0, 1).
  EXPECT_DOUBLE_EQ(wasserstein1(of({0}), of({0, 1})), 0.5);
  EXPECT_EQ(wasserstein1(of({1, 2, 3}), of({3, 2, 1})), 0.0);
}

TEST(GeneratorMetrics, CorrelationKurtosisQuantileByHand) {
  // Alternating signs: lag 1 correlation -1, lag 2 +1.
  Vector x(20);
  for (Eigen::Index t = 0; t < 20; ++t) x(t) = t % 2 ? -1.0 : 1.0;
  const Vector c = lagged_correlation(x, x, 2);
  EXPECT_NEAR(c(0), -1.0, 1e-15);
  EXPECT_NEAR(c(1), 1.0, 1e-15);
  // Two equally likely values: m4 / m2^2 = 1, excess -2.
  EXPECT_NEAR(excess_kurtosis(x), -2.0, 1e-15);
  EXPECT_DOUBLE_EQ(sample_quantile(of({4, 1, 3, 2}), 0.5), 2.5);
  EXPECT_DOUBLE_EQ(sample_quantile(of({4, 1, 3, 2}), 1.0), 4.0);
  EXPECT_DOUBLE_EQ(sample_quantile(of({4, 1, 3, 2}), 0.1), 1.3);
  // A sample against itself scores 0 on every dependence metric and DY.
  EXPECT_EQ(acf_score(x, {x}, 3, AcfTransform::kAbsolute), 0.0);
  EXPECT_EQ(leverage_score(x, {x}, 3), 0.0);
  EXPECT_EQ(dy_metric(of({1, 2, 3, 5, 8}), of({1, 2, 3, 5, 8}), 4), 0.0);
  EXPECT_THROW(lagged_correlation(x, x, 19), Error);
}

TEST(GeneratorMetrics, DyIgnoresScaleAndSeesShape) {
  // Standardised first: a rescaled, shifted copy has DY 0; a different shape does not.
  PathRandom rng(3, 0);
  Vector a(2000);
  for (auto& v : a) v = rng.normal();
  EXPECT_NEAR(dy_metric(a, (3.0 * a.array() + 1.0).matrix(), 20), 0.0, 1e-9);
  Vector b(2000);
  for (auto& v : b) v = rng.uniform();
  EXPECT_GT(dy_metric(a, b, 20), 1.0);
}

TEST(GeneratorMetrics, BadInputIsNamed) {
  const Vector real = Vector::LinSpaced(50, -1, 1);
  Vector bad = real;
  bad(3) = std::numeric_limits<double>::quiet_NaN();
  try {
    score_generator(real, {real, bad}, {.horizons = {1}, .max_lag = 5});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("generated path 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("position 3"), std::string::npos) << e.what();
  }
  try {
    score_generator(real, {real.head(30)}, {.horizons = {1, 40}, .max_lag = 5});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("horizon 40"), std::string::npos) << e.what();
  }
  EXPECT_THROW(score_generator(real, {real}, {.horizons = {1}, .max_lag = 49}), Error);
  EXPECT_THROW(score_generator(real, {}, {}), Error);
}

std::string json_array(const Vector& v) {
  std::ostringstream out;
  out.precision(17);
  out << "[";
  for (Eigen::Index i = 0; i < v.size(); ++i) out << (i ? "," : "") << v(i);
  return out.str() + "]";
}

// Heavy-tailed, clustered "real" data (a GARCH path) against five paths of another GARCH: every
// metric of score_generator equals the numpy/scipy reference. Tolerance 1e-10 relative to the
// value (at least 1): the same formulas with different summation orders (numpy's pairwise sums,
// np.convolve) differ by rounding of order 1e-15 per term over a few thousand terms.
TEST(GeneratorMetrics, EveryMetricMatchesNumpyScipyReference) {
  if (std::system("/usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks numpy/scipy";
  PathRandom rng(11, 0);
  const auto normal = [&] { return rng.normal(); };
  const Vector real =
      simulate_garch({.mu = 0.02, .omega = 0.05, .alpha = 0.12, .beta = 0.83}, 1.0, 700, normal);
  std::vector<Vector> generated;
  for (int p = 0; p < 5; ++p)
    generated.push_back(
        simulate_garch({.mu = 0.0, .omega = 0.2, .alpha = 0.05, .beta = 0.7}, 1.0, 450, normal));
  const GeneratorScoreConfig config{.horizons = {1, 5, 20, 100}, .max_lag = 60, .dy_bins = 30};
  const auto s = score_generator(real, generated, config);

  mre::testing::TempDir dir;
  std::string text = "{\"real\":" + json_array(real) + ",\"generated\":[";
  for (std::size_t p = 0; p < generated.size(); ++p)
    text += (p ? "," : "") + json_array(generated[p]);
  text +=
      "],\"horizons\":[1,5,20,100],\"max_lag\":60,\"bins\":30,\"probabilities\":[0.01,0.05,0.95,0."
      "99]}";
  mre::testing::write_file(dir / "in.json", text);
  const auto r = mre::testing::run_shell(
      "/usr/bin/python3 " +
      mre::testing::shell_quote(
          (mre::testing::source_dir() / "tests/scm/reference_generator_metrics.py").string()) +
      " " + mre::testing::shell_quote((dir / "in.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, double> ref;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line))
    ref[line.substr(0, line.find(','))] = std::stod(line.substr(line.find(',') + 1));
  std::map<std::string, double> ours;
  for (std::size_t i = 0; i < config.horizons.size(); ++i) {
    ours["emd" + std::to_string(config.horizons[i])] = s.emd[i];
    ours["dy" + std::to_string(config.horizons[i])] = s.dy[i];
  }
  ours["acf_r"] = s.acf_r;
  ours["acf_abs"] = s.acf_abs;
  ours["acf_squared"] = s.acf_squared;
  ours["leverage"] = s.leverage;
  ours["kurtosis_real"] = s.kurtosis_real;
  ours["kurtosis_generated"] = s.kurtosis_generated;
  for (std::size_t i = 0; i < 4; ++i) {
    ours["q_real" + std::to_string(i)] = s.quantiles_real[i];
    ours["q_generated" + std::to_string(i)] = s.quantiles_generated[i];
  }
  ASSERT_EQ(ref.size(), ours.size()) << r.out;
  for (const auto& [name, value] : ours) {
    ASSERT_TRUE(ref.count(name)) << name;
    EXPECT_NEAR(value, ref[name], 1e-10 * std::max(1.0, std::abs(ref[name]))) << name;
  }
  // The scores say something: the generated paths cluster less (alpha 0.05, beta 0.7 against
  // 0.12, 0.83), which the ACF score of r^2 sees.
  EXPECT_GT(s.acf_squared, 0.1);
}

}  // namespace
}  // namespace mre::scm
