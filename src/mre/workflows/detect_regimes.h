// The detect-regimes use case: a regime spec (config/regimes/*.yml) + a feature version in the
// store -> a regime version (regime_models + one row per date in regimes_global).
#pragma once

#include <any>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/jump/walk_forward_jump.h"
#include "mre/regimes/rules/rules.h"
#include "mre/regimes/walk_forward.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct RegimeSpec {
  std::string name{};
  std::string method{};                // a registered regime method (regime_methods/registry.cc)
  std::string feature_set{};           // the feature spec name whose newest version is read
  std::vector<std::string> columns{};  // empty: every column of the feature version
  std::vector<std::string> labels{};   // names for the states (hmm, kmeans)
  regimes::hmm::GaussianHmmConfig hmm{};
  std::optional<regimes::WalkForwardConfig> walk_forward{};  // hmm: on unless `walk_forward: off`
  // hmm: `standardize: {method: expanding, min_observations: N}` feeds the HMM expanding
  // z-scores (regimes/standardize.h, look-ahead-free) instead of raw levels; 0 = off.
  int standardize_min_observations = 0;
  std::vector<regimes::rules::Rule> rules{};
  // jump: the `jump:` block (n_states is copied to hmm.n_states for the labels check) and the
  // walk-forward extras (walk_forward.train_window_rows; jump.standardize, order_by, order).
  regimes::jump::JumpModelConfig jump{};
  regimes::jump::JumpWalkForwardConfig jump_schedule{};
  std::string jump_order_by{};  // the column whose centroid orders the states; empty: the first
  // A method's own typed settings (e.g. regime_methods/kmeans.cc's), set by its parse.
  std::any method_settings{};
  std::string canonical_text{};
  std::string hash{};
};

// InvalidArgument "FILE:LINE: ..." for unknown keys, methods, covariance types, bad numbers.
RegimeSpec load_regime_spec(const std::filesystem::path& path);

struct DetectRegimesOptions {
  std::filesystem::path spec_path{};
  std::string version{};           // the tag, or "auto"
  std::string features_version{};  // empty: the newest version of the spec's feature set
  // HMM methods: the EM starts (every fresh walk-forward refit's at once) on `work_items` (MPI
  // ranks), else on `threads` threads here (0: all cores) with progress. Never changes a result.
  int threads = 0;
  const WorkItems* work_items = nullptr;
};

struct DetectRegimesReport {
  std::string version{};
  bool written = false;
  std::string kind{};
  std::string feature_version{};
  std::size_t rows = 0;
  std::size_t refits = 0;
  std::optional<store::RegimeRow> latest{};
  std::vector<std::string> labels{};
  std::vector<std::string> fits_with_empty_states{};  // see fits_with_empty_states below
};

DetectRegimesReport detect_regimes(store::Store& store, const DetectRegimesOptions& options);

// The walk-forward refits of a regime version that stopped at the EM iteration limit, as
// "YYYY-MM-DD (N iterations)", from its stored diagnostics (empty for other kinds).
std::vector<std::string> refits_at_iteration_limit(const store::RegimeModel& model);

// The fits of a jump-model version that left a state empty (no row took it: at this jump penalty
// one regime fewer explains the window; the state is never labelled in that fit's period), as
// "YYYY-MM-DD (stress)" per walk-forward refit or "the fit (stress)", from its stored
// diagnostics (empty for other kinds and for versions stored before 2026-12-07).
std::vector<std::string> fits_with_empty_states(const store::RegimeModel& model);

}  // namespace mre::workflows
