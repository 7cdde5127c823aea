// Walk-forward HMM: refits only on earlier data, bit-for-bit unchanged earlier output when data
// is appended, labels kept across refits; and the V0 rule scores by hand.
#include "mre/regimes/walk_forward.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "mre/core/error.h"
#include "mre/regimes/rules/rules.h"
#include "mre/regimes/standardize.h"

namespace mre::regimes {
namespace {

struct Data {
  std::vector<Date> dates;
  Matrix values;
};

// Two alternating regimes (calm around 0, stressed around 3) in blocks of 120 business days.
Data simulated(int T) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> z;
  Data d;
  d.values.resize(T, 2);
  Date day = *Date::parse("2000-01-03");
  for (int t = 0; t < T; ++t) {
    while (day.is_weekend()) day = day + 1;
    d.dates.push_back(day);
    day = day + 1;
    const bool stressed = (t / 120) % 2 == 1;
    d.values(t, 0) = (stressed ? 3.0 : 0.0) + z(rng);
    d.values(t, 1) = (stressed ? -2.0 : 1.0) + 0.5 * z(rng);
  }
  return d;
}

const hmm::GaussianHmmConfig kConfig{.n_states = 2, .n_iter = 200, .tol = 1e-6};
const WalkForwardConfig kSchedule{
    .refit_every_months = 6, .min_train_rows = 300, .min_column_observations = 100};

TEST(WalkForward, RefitsUseOnlyEarlierRowsOnASemiAnnualSchedule) {
  const auto d = simulated(1500);
  const auto wf = walk_forward_hmm(d.dates, d.values, kConfig, kSchedule);
  ASSERT_GE(wf.refits.size(), 4u);
  EXPECT_EQ(wf.refits[0].rows, 300u);
  for (std::size_t j = 0; j < wf.refits.size(); ++j) {
    EXPECT_EQ(d.dates[wf.refits[j].rows], wf.refits[j].date);  // fitted on rows strictly before
    if (j > 0) {
      EXPECT_GE(wf.refits[j].date, wf.refits[j - 1].date.add_months(6));
    }
  }
  for (Eigen::Index t = 0; t < 300; ++t) EXPECT_TRUE(wf.filtered.row(t).hasNaN());
  for (Eigen::Index t = 300; t < 1500; ++t) EXPECT_NEAR(wf.filtered.row(t).sum(), 1.0, 1e-12);
  // Labels stay put: state 0 is the calm regime (lower mean of feature 0) in every refit.
  for (const auto& r : wf.refits) EXPECT_LT(r.fit.params.means(0, 0), r.fit.params.means(1, 0));
  // And the filter finds the regimes: in calm blocks state 0 dominates.
  int right = 0, total = 0;
  for (int t = 300; t < 1500; ++t) {
    if (t % 120 < 10) continue;  // the filter needs a few days to notice a switch
    right += ((t / 120) % 2 == 0) == (wf.filtered(t, 0) > 0.5);
    ++total;
  }
  EXPECT_GE(right, 0.97 * total);
}

TEST(WalkForward, NoLookAheadAppendingRowsLeavesEarlierProbabilitiesBitForBitUnchanged) {
  const auto d = simulated(1500);
  const auto full = walk_forward_hmm(d.dates, d.values, kConfig, kSchedule);
  for (int cut : {700, 1000, 1234}) {
    const std::vector<Date> dates(d.dates.begin(), d.dates.begin() + cut);
    const auto part = walk_forward_hmm(dates, d.values.topRows(cut), kConfig, kSchedule);
    for (Eigen::Index t = 0; t < cut; ++t) {
      for (Eigen::Index k = 0; k < 2; ++k) {
        ASSERT_EQ(std::bit_cast<std::uint64_t>(part.filtered(t, k)),
                  std::bit_cast<std::uint64_t>(full.filtered(t, k)))
            << "row " << t << " with data to row " << cut;
      }
    }
  }
}

// Issue 18: the walk-forward starts once min_train_rows exist; a feature that starts late is
// marginalised (the same mean and variance in every state, no covariance) until a refit has
// min_column_observations of its values, and then joins.
TEST(WalkForward, AFeatureThatStartsLateIsMarginalisedUntilItHasData) {
  auto d = simulated(1500);
  for (Eigen::Index t = 0; t < 600; ++t) d.values(t, 1) = std::nan("");
  const auto wf = walk_forward_hmm(d.dates, d.values, kConfig, kSchedule);
  EXPECT_EQ(wf.refits.front().rows, 300u);  // no longer waits for the late column
  EXPECT_EQ(wf.refits.front().active_columns, std::vector<int>{0});
  const auto& p = wf.refits.front().fit.params;
  EXPECT_EQ(p.means(0, 1), p.means(1, 1));
  EXPECT_EQ(p.covariances[0](1, 1), p.covariances[1](1, 1));
  EXPECT_EQ(p.covariances[0](0, 1), 0.0);
  // The late column joins at the first refit with 100 of its values (from row 700 on).
  bool joined = false;
  for (const auto& r : wf.refits) {
    EXPECT_EQ(r.active_columns.size() == 2, r.rows >= 700u) << r.date.iso();
    joined = joined || r.active_columns.size() == 2;
  }
  EXPECT_TRUE(joined);
  for (Eigen::Index t = 300; t < 1500; ++t) EXPECT_NEAR(wf.filtered.row(t).sum(), 1.0, 1e-12);
  // Still look-ahead-free with the column joining: cut before and after it joins.
  for (int cut : {650, 1100}) {
    const std::vector<Date> dates(d.dates.begin(), d.dates.begin() + cut);
    const auto part = walk_forward_hmm(dates, d.values.topRows(cut), kConfig, kSchedule);
    for (Eigen::Index t = 0; t < cut; ++t) {
      for (Eigen::Index k = 0; k < 2; ++k) {
        ASSERT_EQ(std::bit_cast<std::uint64_t>(part.filtered(t, k)),
                  std::bit_cast<std::uint64_t>(wf.filtered(t, k)))
            << "row " << t << " with data to row " << cut;
      }
    }
  }
  for (Eigen::Index t = 0; t < d.values.rows(); ++t) d.values(t, 0) = d.values(t, 1) = std::nan("");
  EXPECT_THROW(walk_forward_hmm(d.dates, d.values, kConfig, kSchedule), Error);
}

// Expanding z-scores by hand: each value against the mean and sample sd of its column up to and
// including its row; NaN before min_observations values; appending rows changes no earlier value.
TEST(Standardize, Issue18_ExpandingZScoresUseOnlyEarlierRows) {
  Matrix x(5, 2);
  x << 1, 10, 3, std::nan(""), 5, 14, std::nan(""), 18, 9, 10;
  const Matrix z = expanding_zscore(x, 2);
  EXPECT_TRUE(std::isnan(z(0, 0)));
  // Rows 0..1 of column 0: mean 2, sd sqrt(2): (3 - 2) / sqrt(2).
  EXPECT_NEAR(z(1, 0), 1.0 / std::sqrt(2.0), 1e-15);
  // Rows 0..2: mean 3, sd 2: (5 - 3) / 2 = 1.
  EXPECT_NEAR(z(2, 0), 1.0, 1e-15);
  EXPECT_TRUE(std::isnan(z(3, 0)));
  // Values 1, 3, 5, 9: mean 4.5, sd sqrt(((3.5)^2 + 1.5^2 + 0.5^2 + 4.5^2) / 3) = sqrt(35/3).
  EXPECT_NEAR(z(4, 0), 4.5 / std::sqrt(35.0 / 3.0), 1e-14);
  EXPECT_TRUE(std::isnan(z(1, 1)));
  EXPECT_NEAR(z(2, 1), (14.0 - 12.0) / std::sqrt(8.0), 1e-15);  // 10, 14
  const Matrix head = expanding_zscore(x.topRows(3), 2);
  for (Eigen::Index t = 0; t < 3; ++t) {
    for (Eigen::Index d = 0; d < 2; ++d) {
      EXPECT_EQ(std::bit_cast<std::uint64_t>(head(t, d)), std::bit_cast<std::uint64_t>(z(t, d)));
    }
  }
  try {
    expanding_zscore(x, 6);
    ADD_FAILURE() << "a window longer than the data was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("longer than the data (5 rows)"), std::string::npos)
        << e.what();
  }
}

// A retrained model's states are put in the previous model's order: permuting a model's states
// and aligning it back recovers the original order exactly (Hungarian on the scaled distance
// between means), including near-duplicate means that a greedy match could swap.
TEST(WalkForward, Issue18_AlignStatesUndoesAPermutation) {
  hmm::GaussianHmmParams p;
  p.covariance = hmm::CovarianceType::kFull;
  p.initial = (Vector(4) << 0.1, 0.2, 0.3, 0.4).finished();
  p.transition = Matrix::Constant(4, 4, 0.1);
  p.transition.diagonal().setConstant(0.7);
  p.means = (Matrix(4, 2) << 0.0, 0.0, 1.0, 0.0, 1.2, 0.1, 5.0, 5.0).finished();
  p.covariances.assign(4, Matrix::Identity(2, 2));
  const std::vector<int> shuffle = {2, 0, 3, 1};
  auto moved = permute_states(p, shuffle);
  moved.means.array() += 0.04;  // a retrain moves every mean a little
  const Vector scale = (Vector(2) << 1.0, 2.0).finished();
  const auto order = align_states(p, moved, scale);
  const auto back = permute_states(moved, order);
  EXPECT_LT((back.means.array() - 0.04 - p.means.array()).abs().maxCoeff(), 1e-12);
  EXPECT_EQ(back.initial, p.initial);
  try {
    align_states(p, moved, Vector::Zero(2));
    ADD_FAILURE() << "a zero scale was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("scale"), std::string::npos);
  }
}

TEST(Rules, ScoresAreTheMeanOfSmoothStepsByHand) {
  const std::vector<rules::Rule> rules = {
      {"RISK_ON", {{"equity", 1.0, 0.0, 0.05}, {"spread", -1.0, 0.0, 0.5}}},
      {"RISK_OFF", {{"equity", -1.0, 0.0, 0.05}}}};
  Matrix data(2, 2);
  data << 0.05, -0.5,  //
      0.0, std::nan("");
  const auto out = rules::score(rules, {"equity", "spread"}, data);
  // Row 0: RISK_ON = mean(0.5 (1 + tanh(1)), 0.5 (1 + tanh(1))) = 0.5 (1 + tanh 1) = 0.880797;
  // RISK_OFF = 0.5 (1 + tanh(-1)) = 0.119203.
  EXPECT_NEAR(out.scores(0, 0), 0.5 * (1 + std::tanh(1.0)), 1e-15);
  EXPECT_NEAR(out.scores(0, 1), 0.5 * (1 - std::tanh(1.0)), 1e-15);
  // Row 1: at the threshold every step is 0.5; the missing spread is skipped, not zero.
  EXPECT_EQ(out.scores(1, 0), 0.5);
  EXPECT_EQ(out.scores(1, 1), 0.5);
  EXPECT_THROW(rules::score({{"X", {{"nope", 1.0, 0.0, 1.0}}}}, {"equity"}, data.leftCols(1)),
               Error);
  EXPECT_THROW(rules::score({{"X", {{"equity", 1.0, 0.0, 0.0}}}}, {"equity"}, data.leftCols(1)),
               Error);
}

}  // namespace
}  // namespace mre::regimes
