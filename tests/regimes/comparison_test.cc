// The comparison statistics moved out of workflows/compare_regimes.cc (issue 23), against hand
// computations on short label sequences.
#include "mre/regimes/comparison.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mre::regimes {
namespace {

TEST(Comparison, LabelStatisticsByHand) {
  // A A B B B A: counts A 3, B 3; runs A 2, B 1 -> durations 1.5, 3; transitions from A: A->A 1,
  // A->B 1; from B: B->B 2, B->A 1.
  const auto s = summarise_labels("V", {"A", "B", "C"}, {"A", "A", "B", "B", "B", "A"});
  EXPECT_EQ(s.counts, (std::vector<std::size_t>{3, 3, 0}));
  EXPECT_EQ(s.mean_durations, (std::vector<double>{1.5, 3.0, 0.0}));
  EXPECT_DOUBLE_EQ(s.transitions(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(s.transitions(0, 1), 0.5);
  EXPECT_DOUBLE_EQ(s.transitions(1, 1), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.transitions(1, 0), 1.0 / 3.0);
  EXPECT_EQ(s.transitions.row(2).sum(), 0.0);  // never visited: a zero row
}

TEST(Comparison, AgreementAndMatchingByHand) {
  // B's labels are A's renamed (X = A, Y = B) except on the last date: 5 of 6 dates match after
  // renaming, none by equal strings.
  RegimeComparison out;
  compare_labels({"A", "B"}, {"X", "Y"}, {"A", "A", "B", "B", "B", "A"},
                 {"X", "X", "Y", "Y", "Y", "Y"}, out);
  EXPECT_EQ(out.confusion(0, 0), 2.0);
  EXPECT_EQ(out.confusion(0, 1), 1.0);
  EXPECT_EQ(out.confusion(1, 1), 3.0);
  EXPECT_EQ(out.agreement_same_label, 0.0);
  EXPECT_DOUBLE_EQ(out.agreement_matched, 5.0 / 6.0);
  ASSERT_EQ(out.matching.size(), 2u);
  EXPECT_EQ(out.matching[0], (std::pair<std::string, std::string>{"A", "X"}));
  EXPECT_EQ(out.matching[1], (std::pair<std::string, std::string>{"B", "Y"}));
}

TEST(Comparison, PeriodsPerYearAndAnnualisedStats) {
  const Date d = *Date::parse("2020-01-31");
  EXPECT_EQ(periods_per_year({d, d.add_months(1), d.add_months(2)}), 12.0);
  EXPECT_EQ(periods_per_year({d, d + 1, d + 2}), 252.0);
  EXPECT_EQ(periods_per_year({d, d + 7, d + 14}), 52.0);
  EXPECT_EQ(periods_per_year({d}), 252.0);
  // Returns 0.01, 0.03: mean 0.02, sample sd sqrt(0.0002); 12 periods a year.
  const auto s = annualised_stats({0.01, 0.03}, 12.0);
  EXPECT_NEAR(s.annual_mean, 0.24, 1e-15);
  EXPECT_NEAR(s.annual_volatility, std::sqrt(0.0002) * std::sqrt(12.0), 1e-15);
  EXPECT_EQ(s.periods, 2u);
}

}  // namespace
}  // namespace mre::regimes
