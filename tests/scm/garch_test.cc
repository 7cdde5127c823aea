// GARCH(1,1) by maximum likelihood (scm/garch.h): the estimates against scipy maximising the
// same likelihood (tests/scm/reference_garch.py), recovery of known parameters from simulated
// data, the CCC shock generator's volatility clustering, and bad input.
#include "mre/scm/garch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>

#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "mre/scm/simulate.h"
#include "support/test_support.h"

namespace mre::scm {
namespace {

Vector simulated(const GarchParams& p, int n, std::uint64_t seed) {
  PathRandom rng(seed, 0);
  return simulate_garch(p, p.omega / (1.0 - p.alpha - p.beta), n, [&] { return rng.normal(); });
}

TEST(Garch, LikelihoodByHand) {
  // Three observations, h_0 = population variance of x = 2/3 (x = -1, 0, 1; mean 0).
  const Vector x = (Vector(3) << -1.0, 0.0, 1.0).finished();
  const GarchParams p{.mu = 0.0, .omega = 0.1, .alpha = 0.2, .beta = 0.5};
  const Vector h = garch_variance(x, p);
  EXPECT_NEAR(h(0), 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(h(1), 0.1 + 0.2 * 1.0 + 0.5 * 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(h(2), 0.1 + 0.0 + 0.5 * h(1), 1e-15);
  const double expected = -0.5 * (3 * std::log(2 * std::numbers::pi) + std::log(h(0)) + 1 / h(0) +
                                  std::log(h(1)) + std::log(h(2)) + 1 / h(2));
  EXPECT_NEAR(garch_log_likelihood(x, p), expected, 1e-14);
}

// Simulated data with known parameters: the estimates within about three standard errors
// (at T = 8000, se(alpha) ~ 0.008 and se(beta) ~ 0.015 for these values).
TEST(Garch, RecoversKnownParameters) {
  const GarchParams truth{.mu = 0.05, .omega = 0.05, .alpha = 0.10, .beta = 0.85};
  const auto fit = fit_garch(simulated(truth, 8000, 5));
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.alpha, truth.alpha, 0.03);
  EXPECT_NEAR(fit.params.beta, truth.beta, 0.05);
  EXPECT_NEAR(fit.params.mu, truth.mu, 0.05);
  EXPECT_NEAR(fit.params.omega, truth.omega, 0.03);
  // The fit beats the truth on its own sample (it maximises the likelihood).
  EXPECT_GE(fit.log_likelihood, garch_log_likelihood(simulated(truth, 8000, 5), truth));
}

// The same likelihood maximised by scipy's Nelder-Mead in the natural parameters: the estimates
// agree to 1e-4 (both optimisers stop where the likelihood is flat to ~1e-9; the parameters'
// standard errors are ~1e-2, so 1e-4 is well inside what either could mistake).
TEST(Garch, EstimatesMatchScipyMaximumLikelihood) {
  if (std::system("/usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks numpy/scipy";
  for (const auto& [truth, seed] :
       {std::pair{GarchParams{.mu = 0.05, .omega = 0.05, .alpha = 0.10, .beta = 0.85}, 21},
        std::pair{GarchParams{.mu = -0.02, .omega = 0.3, .alpha = 0.05, .beta = 0.6}, 22}}) {
    const Vector x = simulated(truth, 2000, static_cast<std::uint64_t>(seed));
    mre::testing::TempDir dir;
    std::ostringstream text;
    text.precision(17);
    for (Eigen::Index t = 0; t < x.size(); ++t) text << x(t) << "\n";
    mre::testing::write_file(dir / "x.txt", text.str());
    const auto r = mre::testing::run_shell(
        "/usr/bin/python3 " +
        mre::testing::shell_quote(
            (mre::testing::source_dir() / "tests/scm/reference_garch.py").string()) +
        " " + mre::testing::shell_quote((dir / "x.txt").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, double> ref;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line))
      ref[line.substr(0, line.find(','))] = std::stod(line.substr(line.find(',') + 1));
    const auto fit = fit_garch(x);
    EXPECT_TRUE(fit.converged);
    EXPECT_NEAR(fit.params.mu, ref["mu"], 1e-4) << seed;
    EXPECT_NEAR(fit.params.omega, ref["omega"], 1e-4) << seed;
    EXPECT_NEAR(fit.params.alpha, ref["alpha"], 1e-4) << seed;
    EXPECT_NEAR(fit.params.beta, ref["beta"], 1e-4) << seed;
    // Neither optimiser finds a better maximum than the other (to rounding of the sums).
    EXPECT_NEAR(fit.log_likelihood, ref["log_likelihood"], 1e-6) << seed;
  }
}

TEST(Garch, BadInputIsNamed) {
  const Vector shortx = Vector::LinSpaced(kGarchMinObservations - 1, -1, 1);
  try {
    fit_garch(shortx);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("at least 100"), std::string::npos) << e.what();
  }
  Vector x = simulated({.mu = 0, .omega = 0.05, .alpha = 0.1, .beta = 0.85}, 300, 1);
  x(17) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(fit_garch(x), Error);
  EXPECT_THROW(fit_garch(Vector::Constant(300, 2.0)), Error);
  Matrix two(300, 2);
  two.col(0) = simulated({.mu = 0, .omega = 0.05, .alpha = 0.1, .beta = 0.85}, 300, 2);
  two.col(1).setConstant(1.0);
  try {
    fit_garch_shocks(two);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column 1"), std::string::npos) << e.what();
  }
}

double squared_acf1(const Vector& u) {
  const Vector s = u.array().square();
  const Vector c = s.array() - s.mean();
  return c.head(c.size() - 1).dot(c.tail(c.size() - 1)) / c.squaredNorm();
}

// The `garch` shock generator: fitted per equation with a constant conditional correlation, it
// reproduces the clustering the i.i.d. Gaussian generator cannot, keeps the cross-correlation,
// and the same seed and path give the same draws.
TEST(Garch, ShockGeneratorClustersAndCorrelates) {
  PathRandom rng(8, 0);
  const GarchParams p{.mu = 0.0, .omega = 0.05, .alpha = 0.12, .beta = 0.85};
  Matrix r(3000, 2);
  double h1 = 1.0, h2 = 1.0;
  for (Eigen::Index t = 0; t < r.rows(); ++t) {
    const double z1 = rng.normal();
    const double z2 = 0.6 * z1 + 0.8 * rng.normal();
    r(t, 0) = std::sqrt(h1) * z1;
    r(t, 1) = std::sqrt(h2) * z2;
    h1 = p.omega + p.alpha * r(t, 0) * r(t, 0) + p.beta * h1;
    h2 = p.omega + p.alpha * r(t, 1) * r(t, 1) + p.beta * h2;
  }
  ShockPool pool;
  pool.residuals = r;
  pool.garch = fit_garch_shocks(r);
  EXPECT_NEAR(pool.garch->correlation(0, 1), 0.6, 0.05);
  const SimulationConfig garch{.seed = 3, .shocks = ShockKind::kGarch};
  const Matrix u = draw_shocks(Fitted{}, pool, garch, 0, 20000);
  const Matrix g =
      draw_shocks(Fitted{}, pool, {.seed = 3, .shocks = ShockKind::kGaussian}, 0, 20000);
  EXPECT_GT(squared_acf1(u.col(0)), 0.1);
  EXPECT_LT(std::abs(squared_acf1(g.col(0))), 0.03);
  const Vector a = u.col(0).array() - u.col(0).mean();
  const Vector b = u.col(1).array() - u.col(1).mean();
  EXPECT_NEAR(a.dot(b) / std::sqrt(a.squaredNorm() * b.squaredNorm()), 0.6, 0.05);
  EXPECT_EQ(u, draw_shocks(Fitted{}, pool, garch, 0, 20000));
  EXPECT_NE(u, draw_shocks(Fitted{}, pool, garch, 1, 20000));
  EXPECT_EQ(parse_shock_kind("garch"), ShockKind::kGarch);
  EXPECT_EQ(shock_kind_name(ShockKind::kGarch), "garch");
  // Without its fit the generator refuses (InvalidArgument naming it).
  ShockPool unfitted;
  unfitted.residuals = r;
  EXPECT_THROW(draw_shocks(Fitted{}, unfitted, garch, 0, 5), Error);
}

}  // namespace
}  // namespace mre::scm
