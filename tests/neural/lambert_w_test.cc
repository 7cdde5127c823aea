// The Lambert W transform of the Quant GAN preprocessing (neural/lambert_w.h): W0 and the
// heavy-tail inverse against scipy.special.lambertw (tests/neural/reference_lambert_w.py), the
// identity w e^w = x, the round trip, and Goerg's IGMM recovering a known delta from simulated
// Lambert W x Gaussian data.
#include "mre/neural/lambert_w.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "support/test_support.h"

namespace mre::neural {
namespace {

TEST(LambertW, PrincipalBranchSatisfiesItsDefinition) {
  // w e^w = x by definition; W0(e) = 1 and W0(0) = 0 by hand.
  EXPECT_EQ(lambert_w0(0.0), 0.0);
  EXPECT_NEAR(lambert_w0(std::exp(1.0)), 1.0, 1e-15);
  for (const double x : {1e-12, 1e-6, 0.1, 0.5, 1.0, 2.0, 10.0, 1e3, 1e8, 1e200}) {
    const double w = lambert_w0(x);
    // Relative: exp turns w's rounding (1e-16 relative, so 1e-16 w absolute) into 1e-16 w of
    // the product; a few ulps on top.
    EXPECT_NEAR(w * std::exp(w) / x, 1.0, 4e-16 * (4.0 + w)) << x;
  }
  EXPECT_THROW(lambert_w0(-0.1), Error);
  EXPECT_THROW(lambert_w0(std::nan("")), Error);
}

// Against scipy on the same arguments: 1e-10, the tolerance (both are iterations to
// machine precision, so the agreement is in fact ~1e-15).
TEST(LambertW, InverseMatchesScipy) {
  if (std::system("/usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks numpy/scipy";
  std::vector<std::pair<double, double>> cases;
  for (const double z : {-12.0, -3.5, -1.0, -0.25, 0.001, 0.5, 1.0, 2.0, 4.0, 9.0, 40.0}) {
    for (const double delta : {0.01, 0.1, 0.25, 0.6, 1.5}) cases.emplace_back(z, delta);
  }
  mre::testing::TempDir dir;
  std::ostringstream text;
  text.precision(17);
  for (const auto& [z, delta] : cases) text << z << "," << delta << "\n";
  mre::testing::write_file(dir / "cases.csv", text.str());
  const auto r = mre::testing::run_shell(
      "/usr/bin/python3 " +
      mre::testing::shell_quote(
          (mre::testing::source_dir() / "tests/neural/reference_lambert_w.py").string()) +
      " " + mre::testing::shell_quote((dir / "cases.csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, cases.size());
    const auto [z, delta] = cases[i++];
    const double w_ref = std::stod(line.substr(0, line.find(',')));
    const double u_ref = std::stod(line.substr(line.find(',') + 1));
    EXPECT_NEAR(lambert_w0(delta * z * z), w_ref, 1e-10 * std::max(1.0, std::abs(w_ref)))
        << z << " " << delta;
    EXPECT_NEAR(lambert_w_inverse(z, delta), u_ref, 1e-10 * std::max(1.0, std::abs(u_ref)))
        << z << " " << delta;
  }
  EXPECT_EQ(i, cases.size());
}

TEST(LambertW, ForwardUndoesInverse) {
  for (const double delta : {0.0, 0.05, 0.3, 1.0}) {
    for (const double u : {-5.0, -1.0, -0.1, 0.0, 0.7, 2.5, 6.0}) {
      // Round trip: relative 1e-13 (the exponential amplifies the last bits of u for large u).
      const double z = lambert_w_forward(u, delta);
      EXPECT_NEAR(lambert_w_inverse(z, delta), u, 1e-13 * (1.0 + std::abs(u))) << delta;
    }
  }
}

// Simulated heavy-tail Lambert W x Gaussian data with a known delta: the IGMM recovers it, and
// the Gaussianized values have kurtosis 3 (its moment condition) and the latent location/scale.
TEST(LambertW, IgmmRecoversKnownDelta) {
  scm::PathRandom rng(11, 0);
  const LambertWParams truth{.mu = 0.3, .sigma = 2.0, .delta = 0.2};
  Vector y(20000);
  for (Eigen::Index i = 0; i < y.size(); ++i)
    y(i) = truth.mu + truth.sigma * lambert_w_forward(rng.normal(), truth.delta);
  const auto fit = fit_lambert_w(y);
  EXPECT_TRUE(fit.converged);
  // Sampling error of the kurtosis-based delta at n = 20000 is about 0.01; 0.03 is 3 sd.
  EXPECT_NEAR(fit.params.delta, truth.delta, 0.03);
  EXPECT_NEAR(fit.params.mu, truth.mu, 0.05);        // sd of the mean ~0.014
  EXPECT_NEAR(fit.params.sigma, truth.sigma, 0.06);  // sd of the scale ~0.02
  const Vector u = gaussianize(y, fit.params);
  const double m = u.mean();
  const double v = (u.array() - m).square().mean();
  EXPECT_NEAR((u.array() - m).pow(4).mean() / (v * v), 3.0, 1e-6);  // the bisection's tolerance
  const Vector back = degaussianize(u, fit.params);
  EXPECT_LT((back - y).cwiseAbs().maxCoeff(), 1e-9);
  // Gaussian data: no tails to remove.
  Vector g(5000);
  for (Eigen::Index i = 0; i < g.size(); ++i) g(i) = rng.normal();
  EXPECT_LT(fit_lambert_w(g).params.delta, 0.02);
}

TEST(LambertW, BadInputIsNamed) {
  Vector y = Vector::LinSpaced(50, -1, 1);
  y(7) = std::nan("");
  try {
    fit_lambert_w(y);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("value 7 is not finite"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fit_lambert_w(Vector::Constant(50, 1.0)), Error);
  EXPECT_THROW(fit_lambert_w(Vector::LinSpaced(5, 0, 1)), Error);
}

}  // namespace
}  // namespace mre::neural
