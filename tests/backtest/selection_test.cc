// Trailing-Sharpe selection (selection.h): month ends, the choice, its use for the next month
// only, and no look-ahead.
#include "mre/backtest/selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mre/core/error.h"

namespace mre::backtest {
namespace {

std::vector<Date> days(const char* start, std::size_t n) {
  std::vector<Date> out;
  for (Date x = *Date::parse(start); out.size() < n; x = x + 1) out.push_back(x);  // calendar days
  return out;
}

TEST(Selection, MonthEndRowsAreTheLastRowOfEachMonth) {
  const auto dates = days("2024-01-30", 35);  // Jan 30 .. Mar 4
  const auto rows = month_end_rows(dates);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(dates[rows[0]].iso(), "2024-01-31");
  EXPECT_EQ(dates[rows[1]].iso(), "2024-02-29");
  EXPECT_EQ(rows[2], 34u);  // the final row ends the data
}

// Candidate 0 earns a steady small premium with noise; candidate 1 loses in January and gains
// in February, so the trailing choice flips when February's days dominate the window.
TEST(Selection, ChoosesTheHighestTrailingSharpeAndTradesItTheNextMonthOnly) {
  const auto dates = days("2024-01-01", 91);  // to Mar 31
  const auto n = static_cast<Eigen::Index>(dates.size());
  Matrix excess(n, 2);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z(0.0, 1.0);
  for (Eigen::Index t = 0; t < n; ++t) {
    excess(t, 0) = 0.0002 + 0.001 * z(rng);
    excess(t, 1) = (dates[t].month() == 1 ? -0.002 : 0.003) + 0.001 * z(rng);
  }
  std::vector<Matrix> targets{Matrix::Constant(n, 1, 0.25), Matrix::Constant(n, 1, 0.75)};
  const SelectionConfig config{.window_days = 29, .min_days = 20};
  const auto rows = month_end_rows(dates);
  const auto s = select_by_trailing_sharpe(dates, excess, targets, rows, config);
  ASSERT_EQ(s.dates.size(), 3u);
  EXPECT_EQ(s.chosen[0], 0u);  // January: candidate 1 lost
  EXPECT_EQ(s.chosen[1], 1u);  // the 29 days to Feb 29 are all February
  // Row after Jan 31 .. Feb 29 trade candidate 0's targets; March, candidate 1's.
  EXPECT_TRUE(std::isnan(s.targets(30, 0)));  // Jan 31 itself: no choice yet
  EXPECT_EQ(s.targets(31, 0), 0.25);
  EXPECT_EQ(s.targets(59, 0), 0.25);  // Feb 29
  EXPECT_EQ(s.targets(60, 0), 0.75);  // Mar 1
  // The Sharpe compared at Jan 31 is numpy's mean / std(ddof=1) * sqrt(252) over rows 2..30.
  double mean = excess.col(0).segment(2, 29).mean();
  double ss = (excess.col(0).segment(2, 29).array() - mean).square().sum();
  EXPECT_NEAR(s.sharpe(0, 0), mean / std::sqrt(ss / 28) * std::sqrt(252.0), 1e-12);
  EXPECT_EQ(s.window[0], 29u);
}

TEST(Selection, ChoicesUpToADateIgnoreEverythingAfterIt) {
  const auto dates = days("2023-01-01", 400);
  const auto n = static_cast<Eigen::Index>(dates.size());
  Matrix excess(n, 3);
  std::mt19937_64 rng(2);
  std::normal_distribution<double> z(0.0, 1.0);
  for (Eigen::Index t = 0; t < n; ++t) {
    for (int c = 0; c < 3; ++c)
      excess(t, c) = 0.0003 * (c - 1) * std::sin(t / 40.0) + 0.01 * z(rng);
  }
  std::vector<Matrix> targets{Matrix::Constant(n, 1, 0.0), Matrix::Constant(n, 1, 0.5),
                              Matrix::Constant(n, 1, 1.0)};
  const SelectionConfig config{.window_days = 90, .min_days = 60};
  const auto full =
      select_by_trailing_sharpe(dates, excess, targets, month_end_rows(dates), config);
  const Eigen::Index cut = 250;
  Matrix changed = excess;
  for (Eigen::Index t = cut + 1; t < n; ++t) changed.row(t) *= -3.0;
  const auto part =
      select_by_trailing_sharpe(dates, changed, targets, month_end_rows(dates), config);
  std::size_t compared = 0;
  for (std::size_t j = 0; j < full.dates.size(); ++j) {
    if (full.dates[j] > dates[cut]) break;
    EXPECT_EQ(part.chosen[j], full.chosen[j]);
    EXPECT_EQ(part.sharpe(static_cast<Eigen::Index>(j), 1),
              full.sharpe(static_cast<Eigen::Index>(j), 1));
    ++compared;
  }
  EXPECT_GE(compared, 5u);
}

TEST(Selection, NoChoiceUntilEnoughCommonDaysAndNaNSharpeNeverWins) {
  const auto dates = days("2024-01-01", 60);
  const auto n = static_cast<Eigen::Index>(dates.size());
  Matrix excess = Matrix::Zero(n, 2);  // candidate 0 never moves: its Sharpe is undefined
  for (Eigen::Index t = 0; t < n; ++t) excess(t, 1) = (t % 2 ? 0.002 : -0.001);
  for (Eigen::Index t = 0; t < 20; ++t) excess(t, 1) = std::nan("");  // no return yet
  std::vector<Matrix> targets{Matrix::Zero(n, 1), Matrix::Ones(n, 1)};
  const auto s = select_by_trailing_sharpe(dates, excess, targets, month_end_rows(dates),
                                           {.window_days = 30, .min_days = 15});
  ASSERT_EQ(s.dates.size(), 1u);  // Jan 31 has 11 common days only
  EXPECT_EQ(s.dates[0].iso(), "2024-02-29");
  EXPECT_TRUE(std::isnan(s.sharpe(0, 0)));
  EXPECT_EQ(s.chosen[0], 1u);
  EXPECT_THROW(select_by_trailing_sharpe(dates, excess, {targets[0]}, {}, {}), Error);
}

}  // namespace
}  // namespace mre::backtest
