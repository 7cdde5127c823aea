// The graph checks' size (issue 20): on 100 samples simulated from the spec's own graph, the
// Holm-corrected checks reject nothing in at least 90% of them.
#include <gtest/gtest.h>

#include <iostream>

#include "mre/scm/check.h"
#include "scm/check_support.h"

namespace mre::scm {
namespace {

TEST(GraphCheckSlow, RejectsNothingOnDataFromTheGraphItselfInAtLeastNinetyPercent) {
  int clean = 0;
  for (int s = 0; s < 100; ++s) {
    // The bundled data's length.
    const Matrix x = testing::policy_sample(2730, 5000 + static_cast<std::uint64_t>(s));
    const auto c = check_graph(fit(testing::policy_graph(), x), x);
    clean += c.rejections() == 0 ? 1 : 0;
  }
  std::cout << "no rejection in " << clean << " of 100 samples\n";
  EXPECT_GE(clean, 90);
}

}  // namespace
}  // namespace mre::scm
