// Choosing a strategy's hyperparameter without look-ahead (Shu, Yu and Mulvey 2024, "Downside
// risk reduction using regime-switching signals: a statistical jump model approach", arXiv
// 2402.05272, sec. 3: the jump penalty is chosen by the strategy's own performance over a
// trailing validation window). At each re-selection date s (the last trading day of each
// month), every candidate (e.g. one jump penalty) is scored by the annualised Sharpe ratio of
// its strategy's net excess returns over the trailing window of rows (s - W, s]; the best one's
// target weights are traded from the next day until the next re-selection date. Candidate
// returns at s depend on signals up to s - 1 - delay only, so nothing chosen at s uses data
// after s.
#pragma once

#include <cstddef>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"

namespace mre::backtest {

struct SelectionConfig {
  std::size_t window_days = 2016;  // trailing validation window W (8 years of 252 days)
  std::size_t min_days = 252;      // fewer common days: no choice yet (the month is not traded)
  int periods_per_year = 252;
};

struct Selection {
  std::vector<Date> dates{};          // re-selection dates where a choice was made
  std::vector<std::size_t> chosen{};  // the candidate chosen at each
  Matrix sharpe;                      // dates x candidates: the trailing Sharpe ratios compared
  std::vector<std::size_t> window{};  // common days each comparison used (<= window_days)
  Matrix targets;  // T x N: row t = the chosen candidate's target(t) for t in (s_j, s_j+1];
                   // NaN before the first choice
  std::vector<double> chosen_by_row{};  // T: index of the candidate traded at row t (NaN before)
};

// The last row of each calendar month among `dates` (the final row counts when it ends the data).
std::vector<std::size_t> month_end_rows(const std::vector<Date>& dates);

// Scores and chooses as above. `excess` is T x C: candidate c's daily net excess return (NaN
// where it has none yet); `targets[c]` is T x N. The window holds the trailing rows where every
// candidate has a return (so candidates are compared on the same days). Ties and undefined
// Sharpe ratios (no variation) go to the earlier candidate; a NaN Sharpe never wins over a
// number. REQUIRES C >= 1, equal shapes (InvalidArgument).
Selection select_by_trailing_sharpe(const std::vector<Date>& dates, const Matrix& excess,
                                    const std::vector<Matrix>& targets,
                                    const std::vector<std::size_t>& reselection_rows,
                                    const SelectionConfig& config);

}  // namespace mre::backtest
