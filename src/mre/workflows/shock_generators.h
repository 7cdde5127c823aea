// The shock generators scored against held-out data (issue 25): every generator of the registry
// is trained on the first part of a shock or return sample and draws paths as long as the held-out
// rest; the paths are scored by the metrics of Wiese et al. (2020) (scm/generator_metrics.h).
// Two samples: an SCM version's abducted shocks, and the paper's S&P 500 log returns.
// Nothing is stored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/neural/quant_gan.h"
#include "mre/scm/generator_metrics.h"
#include "mre/scm/model.h"

namespace mre::workflows {

// What a generator is trained on: the training days' shocks (rows = days, columns = series) and,
// for the regime bootstrap, their regimes.
struct TrainingShocks {
  std::vector<std::string> series{};  // column names (for notes)
  Matrix residuals;
  std::vector<int> regime{};          // per row, 0..K-1
  Matrix transition;                  // K x K, rows sum to 1
  int last_regime = 0;                // the regime of the last training day
  double mean_block = 20.0;           // block bootstrap: mean block length in days
  neural::QuantGanConfig quantgan{};  // quantgan: the network and its training (conditioned on
                                      // `regime`, K = transition's rows)
};

// A trained generator: `days` shock vectors (days x columns) of path `path` in a run seeded `seed`.
using ShockSampler = std::function<Matrix(std::uint64_t seed, std::uint64_t path, int days)>;

// A trained generator and what its fit wants the reader to know (a fit at a bound, not converged).
struct TrainedGenerator {
  ShockSampler sample{};
  std::vector<std::string> notes{};
};

struct ShockGeneratorEntry {
  std::string name{};  // as `scm simulate --shocks` spells it
  std::function<TrainedGenerator(const TrainingShocks&)> train{};
};
// The generators `mre scm generators evaluate` scores, in its table's order. Adding a generator
// is one line of this registry (shock_generators.cc) and its train function.
const std::vector<ShockGeneratorEntry>& shock_generators();

struct GeneratorEvaluationOptions {
  double train_fraction = 0.8;  // the first share of days trains, the rest is held out
  int paths = 100;              // generated paths per generator, each as long as the held-out days
  std::uint64_t seed = 42;
  scm::GeneratorScoreConfig scores{};
  std::vector<std::string> generators{};  // empty: every one of the registry
  neural::QuantGanConfig quantgan{};      // quantgan's network and training (seed: `seed`)
};

// Minimum training days: a year of business days (the scenarios' own minimum of history).
inline constexpr int kMinTrainingDays = 250;

struct GeneratorEvaluation {
  std::string data{};   // what was scored
  std::string units{};  // the metrics' units
  std::vector<std::string> series{};
  Date train_first{}, train_last{}, test_first{}, test_last{};
  int train_days = 0;
  int test_days = 0;
  int paths = 0;
  std::uint64_t seed = 0;
  scm::GeneratorScoreConfig scores{};
  struct Row {
    std::string generator{};
    std::vector<scm::GeneratorScores> per_series{};
    scm::GeneratorScores mean{};       // each metric averaged over the series
    std::vector<std::string> notes{};  // the training's diagnostics
  };
  std::vector<Row> rows{};
};

// The SCM version's abducted shocks (each equation a series), each series divided by its
// training standard deviation (the nodes' units differ); the regime bootstrap uses the version's
// shock regimes and transition matrix. DataError for non-finite shocks (naming date and node) or
// fewer than kMinTrainingDays training days; InvalidArgument for options out of range, an
// unknown generator, or a horizon or lag the held-out days cannot hold.
GeneratorEvaluation evaluate_scm_generators(const std::string& version, const scm::FittedScm& model,
                                            const GeneratorEvaluationOptions& options);

// The paper's setup: daily log returns of the S&P 500 close (Yahoo's ^GSPC file of the bundled
// snapshot, `path`) from `first` to `last` (Wiese et al.: May 2009 - December 2018), raw (not
// rescaled); the regime bootstrap's regimes from a two-state Gaussian HMM of the training returns.
GeneratorEvaluation evaluate_series_generators(const std::filesystem::path& path, Date first,
                                               Date last,
                                               const GeneratorEvaluationOptions& options);
std::filesystem::path default_sp500_path();  // data/snapshot/yahoo/GSPC.csv

}  // namespace mre::workflows
