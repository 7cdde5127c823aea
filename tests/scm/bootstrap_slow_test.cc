// Coverage of the bootstrap's 95% band for a do(EFFR) effect (issue 20): 200 samples simulated
// from a known SCM, each bootstrapped with 199 replicates; the band must cover the true effect
// in 92-98% of them. (Common random numbers cancel the shocks in a linear model's effect, so the
// parameter-uncertainty band is the one tested.)
#include <gtest/gtest.h>

#include <iostream>

#include "mre/scm/bootstrap.h"
#include "scm/bootstrap_support.h"

namespace mre::scm {
namespace {

using namespace mre::scm::testing;

TEST(BootstrapSlow, NinetyFivePercentBandOfADoEffrEffectCoversTheTruth) {
  constexpr Eigen::Index T = 600, from = 300, to = 320;
  int covered = 0, covered90 = 0;
  constexpr int samples = 200;
  for (int s = 0; s < samples; ++s) {
    const Matrix x = small_sample(T, 1000 + static_cast<std::uint64_t>(s));
    // The truth: the true model's effect on this sample (the same for any shocks: linear).
    const double truth = small_effect(small_truth(), x, from, to);
    const Fitted f = fit(small_graph(), x);
    const Matrix draws = bootstrap(
        f, x, {.replicates = 199, .block_length = 10, .seed = static_cast<std::uint64_t>(s)},
        [&](const Fitted& m, int) { return Vector::Constant(1, small_effect(m, x, from, to)); });
    const Vector c = draws.col(0);
    const Band b = percentile_band(small_effect(f, x, from, to),
                                   std::vector<double>(c.data(), c.data() + c.size()));
    covered += (b.lo95 <= truth && truth <= b.hi95) ? 1 : 0;
    covered90 += (b.lo90 <= truth && truth <= b.hi90) ? 1 : 0;
  }
  std::cout << "95% band covered the truth in " << covered << " of " << samples << "; 90% band in "
            << covered90 << "\n";
  // Binomial(200, 0.95): sd 1.5 pp; 92-98% is the acceptance window (about +-2 sd).
  EXPECT_GE(covered, 184);
  EXPECT_LE(covered, 196);
}

}  // namespace
}  // namespace mre::scm
