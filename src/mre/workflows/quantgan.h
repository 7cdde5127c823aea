// The conditional Quant GAN shock generator of an SCM version (issue 25): trained on the
// version's abducted shocks (every equation jointly: one network, one output channel per
// equation), conditioned on the version's regimes, stored as a generic artefact (kind
// "quantgan", codec/quantgan_artefact.h), and attached to scenarios (`--shocks quantgan`).
//
// The regime condition: a regime-dependent version's regime version (its observed path, labels
// and transition matrix: the "chosen regime version" of its spec), otherwise the version's own
// shock regimes (the Gaussian HMM of `mre scm fit`).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mre/codec/quantgan_artefact.h"
#include "mre/neural/quant_gan.h"
#include "mre/scm/model.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct ScenarioOptions;

// Loads the LibTorch module now when the build has one (neural::torch_preload): `mre serve`
// does so at start, so its first Quant GAN or neural request does not wait ~0.5 s for it.
void preload_networks();

// The condition a version's generator is trained on and drawn with.
struct RegimeCondition {
  std::vector<int> path{};  // per row of the version's data (row 0: no shock)
  Matrix transition;        // K x K
  std::vector<std::string> labels{};
  std::string source{};  // "regime version R1" | "the version's shock regimes (HMM)"
};
RegimeCondition regime_condition(const scm::FittedScm& model);

// The version's shocks as the generator sees them: rows 1..T-1 of the abducted shocks, one
// column per equation (graph.equations order).
Matrix equation_shocks(const scm::FittedScm& model);

struct QuantGanTrainOptions {
  std::string scm_version{};     // empty: the newest
  std::string size = "default";  // "default" | "paper" (neural::quant_gan_config_named)
  std::optional<int> steps{};    // generator updates (default: the size's)
  std::uint64_t seed = 42;
  int threads = 1;
  std::string tag = "auto";                        // "auto": Q_<scm version>_<spec hash>
  std::optional<neural::QuantGanConfig> config{};  // replaces size/steps/seed/threads (tests)
};
// A named size ("default" | "paper") with the training's steps (0: the size's), seed and
// LibTorch threads.
neural::QuantGanConfig quantgan_config(const std::string& size, int steps, std::uint64_t seed,
                                       int threads);

struct QuantGanTrainResult {
  codec::StoredQuantGan stored{};
  int receptive_field = 0;  // days each generated day depends on
  int window = 0;           // days per training sequence
  bool written = false;     // false: the same settings were already stored under the tag
};
// Trains and stores. DataError from the kernel (window shorter than the receptive field, a
// regime with no day, non-finite shocks) before anything is stored; InvalidArgument for a tag
// stored with other settings (never overwritten); Unsupported without LibTorch.
QuantGanTrainResult train_quantgan(store::Store& store, const QuantGanTrainOptions& options);

// NotFound for an unknown version; DataError for a corrupt blob.
codec::StoredQuantGan read_quantgan(const store::Store& store, const std::string& version);

// For `--shocks quantgan`: loads `generator_version` (empty: the newest trained on
// `scm_version`) into options.quantgan. InvalidArgument when that version was trained on another
// SCM version (naming both) or on other nodes; NotFound when none was trained on it.
void attach_quantgan(const store::Store& store, const std::string& scm_version,
                     const scm::FittedScm& model, ScenarioOptions& options);

}  // namespace mre::workflows
