// Parameter uncertainty of a fitted SCM (issue 20): a residual block bootstrap of the whole fit.
// Each replicate resamples the abducted shock vectors (all equations' shocks of a day together,
// so their cross-correlation is kept) in circular moving blocks (Kuensch 1989; Politis & Romano
// 1992, circular version), rebuilds the data through the fitted equations from the first row,
// and refits every equation. A statistic of the model (a counterfactual's effect) evaluated on
// each replicate gives its sampling distribution; percentile bands (Efron & Tibshirani 1993,
// ch. 13) summarise it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/core/work_items.h"
#include "mre/scm/scm.h"

namespace mre::scm {

inline constexpr int kMinBootstrapReplicates = 50;
// Each replicate refits the model and keeps its paths: beyond this the run would take hours and
// its memory grows past a workstation's (2e9 replicates threw bad_alloc).
inline constexpr int kMaxBootstrapReplicates = 100'000;

struct BootstrapConfig {
  int replicates = 1000;    // kMinBootstrapReplicates to kMaxBootstrapReplicates
  int block_length = 20;    // business days; at most the number of shock rows
  std::uint64_t seed = 20;  // replicate b draws from PathRandom(seed, b) alone
  int threads = 0;          // 0: the hardware's; the results do not depend on it
  const WorkItems* work_items =
      nullptr;  // how replicates are distributed (MPI ranks); null: `threads`
};

// REQUIRES: data as for fit() (T x N, graph.nodes order). The data are rebuilt as changes
// (x_t = a + phi x_{t-1} + beta . parents_t + u*_t in topological order, identities summed).
// InvalidArgument naming the parameter: replicates < 50, block_length < 1 or longer than the
// T - 1 shock rows, threads < 0. `statistic(replicate_fit, b)` is called once per replicate (from
// several threads at once: it must only read shared state) and returns that replicate's values;
// the result holds them in replicate order (replicates x values).
Matrix bootstrap(const Fitted& model, const Matrix& data, const BootstrapConfig& config,
                 const std::function<Vector(const Fitted&, int)>& statistic);

// Regime-dependent coefficients (scm/regime_dependent.h): the shocks abducted along the regime
// path (row t: fits[path[t]]) are resampled in the same blocks, the data rebuilt along the same
// path, and every regime's equations refitted by weighted least squares with the same weights
// (weights: one row per data row, one column per regime). The path and the weights are held
// fixed: the bands are conditional on the regime version's probabilities.
Matrix bootstrap(const std::vector<Fitted>& fits, const std::vector<int>& path,
                 const Matrix& weights, const Matrix& data, const BootstrapConfig& config,
                 const std::function<Vector(const std::vector<Fitted>&, int)>& statistic);

// The changes the equations generate from row 0 of `data` and the shocks (rows 1..T-1; columns in
// graph.nodes order, identity columns ignored).
Matrix generate(const Fitted& model, const Matrix& data, const Matrix& shocks);
// The same along a regime path (row t: fits[path[t]]).
Matrix generate(const std::vector<Fitted>& fits, const std::vector<int>& path, const Matrix& data,
                const Matrix& shocks);

// A point estimate with percentile bands over replicates (type 7 quantiles).
struct Band {
  double estimate = 0.0;
  double lo90 = 0.0, hi90 = 0.0;  // 5% and 95% quantiles
  double lo95 = 0.0, hi95 = 0.0;  // 2.5% and 97.5% quantiles
};
// REQUIRES: replicates non-empty and finite (InvalidArgument).
Band percentile_band(double estimate, std::vector<double> replicates);

}  // namespace mre::scm
