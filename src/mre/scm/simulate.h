// Forward scenarios (issue 7 item 5): Monte Carlo paths of the fitted SCM from a start day over
// a horizon, a baseline and an intervened world driven by the same shock draws (common random
// numbers) so their difference is sharp. Six shock generators: Gaussian (the residuals'
// covariance), Student-t (t margins with nu per node, joined by a t copula), i.i.d. bootstrap of
// historical shock vectors (keeps their cross-correlation), the stationary block bootstrap
// (Politis & Romano 1994; keeps volatility clustering), and the regime-conditional bootstrap
// (a regime path from a transition matrix, each day's vector drawn from that regime's days); and
// GARCH(1,1) per equation with a constant conditional correlation (scm/garch.h), each path starting
// from the conditional variances on the start day; and `quantgan`, a trained conditional Quant GAN
// (neural/quant_gan.h) drawing each path's whole sequence of shock vectors given a regime path
// from the transition matrix.
// Path p's draws come from a generator seeded by (seed, p) alone, so the numbers do not depend
// on the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/neural/quant_gan.h"
#include "mre/scm/bootstrap.h"
#include "mre/scm/garch.h"
#include "mre/scm/scm.h"
#include "mre/scm/student_t.h"

namespace mre::scm {

enum class ShockKind {
  kGaussian,
  kStudentT,
  kBootstrap,
  kBlockBootstrap,
  kRegimeBootstrap,
  kGarch,
  kQuantGan
};
// gaussian | student-t | bootstrap | block-bootstrap | regime-bootstrap | garch | quantgan;
// InvalidArgument otherwise.
ShockKind parse_shock_kind(const std::string& name);
std::string shock_kind_name(ShockKind kind);

// What the generators draw from: the historical shocks of the equation nodes (columns in
// graph.equations order) up to the start, and what was fitted on them.
struct ShockPool {
  Matrix residuals;                    // T x E
  std::optional<TCopula> copula{};     // student-t: fitted on `residuals`
  std::vector<int> regime{};           // regime-bootstrap: the regime of each row, 0..K-1
  Matrix transition;                   // K x K, rows sum to 1
  int start_regime = 0;                // the regime on the start day
  std::optional<GarchShocks> garch{};  // garch: fitted on `residuals`
  // quantgan: the trained generator (its series are the E equations, its regimes the K of
  // `transition`); `regime` holds the historical regimes (the last receptive field - 1 condition
  // the generator's warm-up days), `start_regime` starts each path's regime chain.
  std::shared_ptr<const neural::QuantGanGenerator> quantgan{};
};

// The stated limits of a simulation (checked by simulate() and, before any narrowing, by the
// CLI): memory grows with paths (about 40 bytes x nodes per path plus the fan buffers: 10^6
// paths of 10 nodes take about 0.5 GB) and the stored fans with horizon x nodes.
inline constexpr int kMaxPaths = 1'000'000;
inline constexpr int kMaxHorizon = 12'600;  // 50 years of business days
inline constexpr int kMaxThreads = 1'024;

struct SimulationConfig {
  int horizon = 250;  // days after the start
  int paths = 10000;
  std::uint64_t seed = 42;
  int threads = 0;  // 0: the hardware's
  ShockKind shocks = ShockKind::kGaussian;
  double mean_block = 20.0;  // block bootstrap: mean block length in days
  bool fans = true;          // false: only the effects at the horizon (benchmarks of the kernel)
  std::stop_token stop{};    // checked between blocks of paths: once stopped, simulate throws
                             // IoError "cancelled" (a server's time limit); default: never
};

// The start: each node's change on the start day (the first lags) and its level.
struct SimulationStart {
  RowVector changes;
  RowVector levels;  // natural units
};

inline constexpr std::array<double, 5> kFanQuantiles = {0.05, 0.25, 0.50, 0.75, 0.95};

struct SimulationResult {
  int horizon = 0;
  int paths = 0;
  int nodes = 0;
  // fan[s][((day - 1) * nodes + node) * 5 + q]: quantile q of the node's level on day 1..horizon,
  // s = 0 baseline, 1 intervened (natural units).
  std::array<std::vector<double>, 2> fan{};
  // paths x nodes: intervened minus baseline at the horizon, in level units for change nodes
  // and in log points for log-return nodes.
  Matrix effect;
};

// The intervention's effect at the horizon on one node, across paths: in the level's units for
// a change node ("points"), in percent of the baseline level for a log-return node.
struct EffectSummary {
  std::string node{};
  std::string unit{};
  double mean = 0.0;
  std::array<double, 5> quantiles{};  // at kFanQuantiles
  // With parameter uncertainty (workflows: the residual block bootstrap of the fit, each
  // replicate's model simulated on its own paths): the effect's 90% and 95% bands over
  // replicates and paths together. `banded` false: not computed.
  bool banded = false;
  Band band{};
};
std::vector<EffectSummary> summarize_effects(const SimulationResult& result, const Graph& graph,
                                             const Levels& transforms);

// Day d of the horizon is row d of the interventions' rows (1..horizon).
// InvalidArgument naming the parameter for horizon or paths <= 0, an empty pool, a regime
// without historical days; intervention errors as predict's.
SimulationResult simulate(const Fitted& model, const Levels& transforms,
                          const SimulationStart& start, const ShockPool& pool,
                          const std::vector<Intervention>& interventions,
                          const SimulationConfig& config);

// Draws `days` shock vectors of one path with the configured generator (for tests of the
// generators' statistics): days x E.
Matrix draw_shocks(const Fitted& model, const ShockPool& pool, const SimulationConfig& config,
                   std::uint64_t path, int days);

// The same quantiles of n floats at increasing probabilities (out: one per probability), exactly,
// in a few linear passes: the fans' quantiles.
void quantiles_of(const float* values, std::size_t n, std::span<const double> probs, double* out);

// Quantile p of values by linear interpolation between order statistics (type 7: numpy's
// default); reorders `values`.
double quantile_in_place(std::vector<double>& values, double p);

}  // namespace mre::scm
