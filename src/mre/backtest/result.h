// What a backtest version holds, as plain values (no Eigen): per strategy its metrics, each
// year's return, the daily path and, for a selected strategy, the monthly choices. Stored through
// the generic artefact API by codec/backtest_artefact.h.
#pragma once

#include <string>
#include <vector>

#include "mre/backtest/backtest.h"
#include "mre/core/date.h"

namespace mre::backtest {

struct StrategyDay {
  Date date{};
  double ret = 0.0;       // net daily return
  double equity = 1.0;    // growth of 1
  double drawdown = 0.0;  // <= 0
  double exposure = 0.0;  // share held in the assets
  double turnover = 0.0;  // sum of |weight changes| that day
  std::string regime{};   // the regime label the position came from (empty for buy-and-hold)
};

// One candidate's score at one re-selection date (selection.h).
struct SelectionScore {
  Date date{};
  std::string candidate{};  // e.g. "lambda=15"
  double sharpe = 0.0;      // trailing Sharpe (NaN when undefined)
  bool chosen = false;
};

struct StrategyResult {
  std::string name{};
  std::string kind{};  // buy_and_hold | regime_version | jump | hmm
  Metrics metrics{};
  std::vector<StrategyDay> days{};
  std::vector<SelectionScore> selection{};
};

struct BacktestResult {
  std::vector<StrategyResult> strategies{};
};

}  // namespace mre::backtest
