// The backtest use case: a backtest spec (config/backtests/*.yml) + the store's prices, the
// risk-free rate and regime signals -> a backtest version (the generic artefact "backtest",
// codec/backtest_artefact.h), never overwritten. Strategies:
//   buy_and_hold    the benchmark asset, always held;
//   regime_version  a stored regime version's online (filtered) labels or probabilities mapped
//                   to weights per regime;
//   jump            walk-forward statistical jump models (regimes/jump/) on a feature version,
//                   one per penalty of a grid, the penalty chosen each month by the trailing
//                   Sharpe of its own strategy (backtest/selection.h; Shu, Yu and Mulvey 2024);
//   hmm             walk-forward Gaussian HMMs on the same features and windows, filtered labels.
// The model fits are work items (penalty x refit date), each with its own seed, reduced in item
// order, so distributing them later changes no number.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mre/backtest/result.h"
#include "mre/core/work_items.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct BacktestWalkForward {
  int refit_every_months = 6;
  int train_window_rows = 2772;  // trailing window (11 years of 252 days); 0 = expanding
  int min_train_rows = 1260;     // rows before the first fit
};

struct BacktestStrategySpec {
  std::string name{};
  std::string kind{};  // buy_and_hold | regime_version | jump | hmm
  // regime_version
  std::string regimes{};  // a regime spec name (its newest version) or, with version:, a tag
  std::string regime_version{};
  bool use_probabilities = false;  // signal: probabilities (else labels)
  // jump / hmm
  std::string feature_set{};
  std::vector<std::string> columns{};
  std::string order_by{};             // state 0 = the highest centroid (jump) / mean (hmm) here
  std::vector<std::string> labels{};  // names of the states in that order
  int n_states = 2;
  int n_init = 10;
  std::uint64_t seed = 42;
  std::vector<double> penalties{};  // jump: the grid
  std::string covariance = "full";  // hmm
  BacktestWalkForward walk_forward{};
  int selection_window_rows = 2016;  // jump: trailing validation window (8 years)
  int selection_min_rows = 252;
  // weights per regime label: asset (or "cash") -> weight
  std::map<std::string, std::map<std::string, double>> weights{};
  std::string asset{};  // buy_and_hold
};

struct BacktestSpec {
  std::string name{};
  std::string description{};
  Date start{};
  Date end{};
  std::string risk_free = "DGS3MO";  // percent a year, accrued per trading day as y / 100 / 252
  int delay_days = 1;
  double cost_bp = 0.0;
  bool leverage = false;
  std::vector<BacktestStrategySpec> strategies{};
  std::string canonical_text{};
  std::string hash{};
};

// InvalidArgument "FILE:LINE: ..." naming the key: unknown keys or kinds, delay < 0, costs < 0,
// a negative penalty, weights that do not sum to 1 (unless leverage: true), ...
BacktestSpec load_backtest_spec(const std::filesystem::path& path);

struct BacktestOptions {
  std::filesystem::path spec_path{};
  std::string version{};  // the tag
  // strategy name -> regime version tag (overrides the spec's regimes:)
  std::map<std::string, std::string> regime_versions{};
  // How the (penalty x refit date) items are distributed (core/work_items.h): MPI ranks, or null
  // for `threads` in this process (0: the hardware's). The results do not depend on it.
  const WorkItems* work_items = nullptr;
  int threads = 1;
};

struct BacktestReport {
  std::string version{};
  bool written = false;
  store::ArtefactHeader header{};
  backtest::BacktestResult result{};
  double seconds = 0.0;
};

// Computes every strategy and writes the version (or finds it already stored with the same
// spec and inputs). Bad input (an asset without prices over the window, a regime version whose
// labels start after the backtest, ...) throws before anything is written.
BacktestReport run_backtest(store::Store& store, const BacktestOptions& options);
// The computation alone (what run_backtest writes), for benchmarks and tests.
BacktestReport compute_backtest(const store::Store& store, const BacktestOptions& options);

// Stored versions, oldest first.
std::vector<store::ArtefactHeader> list_backtests(const store::Store& store);
// NotFound naming the version.
BacktestReport read_backtest(const store::Store& store, const std::string& version, bool with_days);

}  // namespace mre::workflows
