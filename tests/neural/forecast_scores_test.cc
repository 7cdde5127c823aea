// Scores of class forecasts and the Markov baseline (neural/forecast_scores.h) against hand
// computations: log loss, Brier score, accuracy and the reliability table of three forecasts;
// the counted transition matrix with add-one smoothing; a two-step Markov forecast.
#include "mre/neural/forecast_scores.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mre::neural {
namespace {

TEST(ForecastScores, MatchHandComputation) {
  Matrix p(3, 2);
  p << 0.8, 0.2,  //
      0.3, 0.7,   //
      0.6, 0.4;
  const std::vector<int> y{0, 0, 1};
  const auto s = score_forecasts("m", p, y);
  // log loss = -(log 0.8 + log 0.3 + log 0.4) / 3.
  EXPECT_NEAR(s.log_loss, -(std::log(0.8) + std::log(0.3) + std::log(0.4)) / 3, 1e-15);
  // Brier = ((0.2^2 + 0.2^2) + (0.7^2 + 0.7^2) + (0.6^2 + 0.6^2)) / 3 = (0.08 + 0.98 + 0.72) / 3.
  EXPECT_NEAR(s.brier, 1.78 / 3, 1e-15);
  EXPECT_NEAR(s.accuracy, 1.0 / 3, 1e-15);  // only the first argmax is right
  ASSERT_EQ(s.calibration.size(), 10u);
  // Bin 0.2-0.3 holds 0.2 (event: no, row 0 class 1); bin 0.6-0.7: 0.6 (no, row 2 class 0);
  // bin 0.8-0.9: 0.8 (yes). Bin 0.3-0.4: 0.3 (row 1 class 0: yes).
  EXPECT_EQ(s.calibration[2].count, 1u);
  EXPECT_DOUBLE_EQ(s.calibration[2].observed, 0.0);
  EXPECT_EQ(s.calibration[3].count, 1u);
  EXPECT_DOUBLE_EQ(s.calibration[3].observed, 1.0);
  EXPECT_EQ(s.calibration[8].count, 1u);
  EXPECT_DOUBLE_EQ(s.calibration[8].mean_forecast, 0.8);
  EXPECT_TRUE(std::isnan(s.calibration[0].observed));
  std::size_t total = 0;
  for (const auto& b : s.calibration) total += b.count;
  EXPECT_EQ(total, 6u);  // every class of every forecast
}

TEST(ForecastScores, ACertainMissCostsTheClip) {
  Matrix p(1, 2);
  p << 1.0, 0.0;
  EXPECT_NEAR(score_forecasts("p", p, {1}).log_loss, -std::log(1e-15), 1e-12);
}

TEST(ForecastScores, TransitionMatrixCountsKnownPairsWithAddOne) {
  // Path 0 0 1 1 1 0 -1 1 (end 8): pairs 00, 01, 11, 11, 10 (the -1 breaks two pairs).
  const std::vector<int> path{0, 0, 1, 1, 1, 0, -1, 1};
  const Matrix t = observed_transition_matrix(path, 2, path.size());
  // Row 0: counts 1 + 1 (00), 1 + 1 (01) -> 0.5, 0.5; row 1: 1 + 1 (10), 1 + 2 (11) -> 2/5, 3/5.
  EXPECT_DOUBLE_EQ(t(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(t(1, 0), 0.4);
  EXPECT_DOUBLE_EQ(t(1, 1), 0.6);
  // Only pairs before `end` count: end 3 sees 00 and 01.
  const Matrix early = observed_transition_matrix(path, 2, 3);
  EXPECT_DOUBLE_EQ(early(1, 1), 0.5);
  // Two steps from state 1: [0.4, 0.6] T = [0.4*0.5 + 0.6*0.4, 0.4*0.5 + 0.6*0.6].
  const Vector two = markov_forecast(t, 1, 2);
  EXPECT_NEAR(two(0), 0.44, 1e-15);
  EXPECT_NEAR(two(1), 0.56, 1e-15);
}

}  // namespace
}  // namespace mre::neural
