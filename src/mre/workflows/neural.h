// The attention regime model of issue 24 as a use case: `mre neural train|evaluate|list|show` and
// the serving route. Training reads a feature version and a walk-forward regime version from the
// store, maps the version's labels to the spec's classes, trains walk-forward
// (neural/attention_walk_forward.h) and stores two things under one tag: an ordinary regime
// version (kind "neural_attention", the probabilities: usable by effects --regime-version,
// backtests, the dashboard) and the model artefact (codec/neural_artefact.h: per refit the
// training window, standardisation and checksummed weights).
//
// A row at date t of the regime version holds the probabilities, made with data up to t, of the
// class at t + horizon rows (horizon 0: the class at t).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/codec/neural_artefact.h"
#include "mre/core/date.h"
#include "mre/neural/attention_walk_forward.h"
#include "mre/store/store.h"

namespace mre::workflows {

// config/neural/*.yml.
struct NeuralSpec {
  std::string name{};
  std::string description{};
  std::string feature_version{};
  std::vector<std::string> columns{};  // empty: every column of the feature version
  std::optional<Date> from{};          // first feature date used (default: the version's first)
  std::string target_version{};        // a walk-forward regime version
  std::vector<std::string> class_names{};
  std::vector<std::vector<std::string>> class_members{};  // per class: the target's labels
  neural::AttentionWalkForwardConfig config{};            // spec.inputs / classes set from the data
};

// InvalidArgument "PATH:LINE: ..." naming the key for a malformed spec; IoError when missing.
NeuralSpec load_neural_spec(const std::filesystem::path& path);

struct NeuralTrainOptions {
  std::filesystem::path spec_path{};
  std::string version{};                         // the tag (regime version and artefact)
  std::optional<int> threads{};                  // replaces the spec's training.threads
  std::optional<std::uint64_t> seed{};           // replaces the spec's training.seed
  std::optional<std::string> feature_version{};  // replaces the spec's (tests, tours)
  std::optional<std::string> target_version{};
};

struct NeuralTrainReport {
  std::string version{};
  bool written = false;  // false: the same spec and inputs were already stored under the tag
  codec::StoredAttention stored{};
  std::size_t rows = 0;  // regime rows stored
  Date first{};
  Date last{};
  double seconds = 0.0;            // wall time of all refits
  double seconds_per_epoch = 0.0;  // training time / epochs run, over all refits
};

// Trains and stores. Before anything is stored: DataError for a window longer than the data, a
// target version that does not cover the features, a class with no example in a refit's training
// window (naming the refit); InvalidArgument for a tag stored from another spec (never
// overwritten), an in-sample target version, a target label the spec does not map; NotFound for
// unknown versions; Unsupported without LibTorch. NaN inputs are MASKED: a window holding a
// missing value is neither trained on nor classified (no row is stored for its date); rows before
// every column has started are skipped.
NeuralTrainReport train_neural(store::Store& store, const NeuralTrainOptions& options);

// NotFound for an unknown tag; DataError for a corrupt weights blob (checksum).
codec::StoredAttention read_neural(const store::Store& store, const std::string& version);
std::vector<store::ArtefactHeader> list_neural(const store::Store& store);

// Out of sample: every stored date t whose outcome (the target's class at t + k) and baseline
// input are known. The baselines: persistence (the class at t for k >= 1; at t - 1 for k = 0) and
// the Markov forecast from the transition matrix of the target's classes observed before the
// serving refit's date (add-one smoothing), k steps ahead (1 for k = 0, from the class at t - 1).
codec::AttentionEvaluation evaluate_neural(const store::Store& store, const std::string& version);

// The latest observation of the model's feature version classified with the last refit's
// weights (loaded and checksummed now). NotFound for an unknown tag; Unsupported without
// LibTorch.
codec::AttentionLatest classify_latest_neural(const store::Store& store,
                                              const std::string& version);

}  // namespace mre::workflows
