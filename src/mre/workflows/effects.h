// Causal effects of macro shocks (seed 001): the monthly panel (treatments, outcomes over
// horizons h, lagged controls and lagged filtered regime probabilities) from the store's
// `effects` feature set and a regime version, then DML (and the X-learner for a binarised
// treatment) with placebo checks. Also on a user's CSV without the store.
#pragma once

#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "mre/causal/dml.h"
#include "mre/causal/placebo.h"
#include "mre/causal/robustness.h"
#include "mre/causal/xlearner.h"
#include "mre/codec/effects_json.h"
#include "mre/core/date.h"
#include "mre/core/work_items.h"
#include "mre/store/store.h"
#include "mre/workflows/effects_treatments.h"

namespace mre::workflows {

struct OutcomeSpec {
  std::string feature{};  // the level column in the feature set
  bool change = false;    // false: return level_{t+h} / level_t - 1; true: level_{t+h} - level_t
};

// An event study's outcome: a daily series in the store and how its response is measured.
struct EventOutcomeSpec {
  std::string ticker{};
  bool change = false;  // false: close_{d+w} / close_{d-1} - 1; true: level_{d+w} - level_{d-1}
};

// config/effects.yml. Ranges are checked when the file is read (load_effects_spec), naming the
// file, line, key and value: lags in [1, 60], horizons in [1, 120], folds in [2, 50], irf
// horizons in [0, 120], irf lags in [1, 24].
struct EffectsSpec {
  std::string name{};
  std::string feature_set = "effects";
  std::string
      regimes{};  // regime spec name whose newest version gives the probabilities ("" = none)
  std::vector<std::string> treatments{};
  std::map<std::string, OutcomeSpec> outcomes{};
  std::vector<int> horizons{};
  std::vector<std::string> controls{};
  std::vector<int> lags{};  // months; controls and regime probabilities enter at each lag
  // "auto": each nuisance takes the candidate of `learners` with the best out-of-fold R^2
  // (causal::dml_plr_select); any other registry name: that learner for both nuisances.
  std::string learner = "auto";
  std::vector<std::string> learners{"constant", "ols", "ridge", "forest"};
  int folds = 5;
  // ewc_hc3: equal-weighted cosine HAR on leverage-adjusted scores, t(nu) intervals
  // (causal/inference.h; docs/effects.md, "Inference").
  causal::StandardError se = causal::StandardError::kEwcHc3;
  std::map<std::string, EventOutcomeSpec> event_outcomes{};
  std::vector<int> irf_horizons{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  int irf_lags = 2;
  std::string irf_se = "hc1";  // hc1 (lag-augmented) | hac (Newey-West, bandwidth >= h + 1)
  std::string canonical_text{};
  std::string hash{};
};
EffectsSpec load_effects_spec(const std::filesystem::path& path);
// The spec a stored effects version was estimated with, from its canonical text (what
// EffectVersion::spec_text holds). DataError when the text does not parse back to itself.
EffectsSpec spec_from_canonical(const std::string& text);

// The largest |magnitude| a query may scale an effect to, in the treatment's units (a million
// percentage points): the effect scales linearly, and past it the prediction interval's width is
// lost in rounding against the prediction.
inline constexpr double kMaxMagnitude = 1e6;

struct EffectQuery {
  std::string treatment{};
  std::string outcome{};
  int horizon = 1;
  double magnitude = 1.0;
  std::string learner{};  // empty: the spec's
  int folds = 0;          // 0: the spec's
  int embargo = -1;       // -1: the horizon (outcome windows of h months overlap)
  std::optional<causal::StandardError> se{};
  std::string method = "dml";  // dml | xlearner (treatment binarised: > 0)
  int placebo_block = 12;      // months per block when permuting the treatment
  bool placebos = true;        // false: the estimate alone (calibration's surrogate fits)
  std::stop_token stop{};      // checked between the fit and each placebo: once stopped,
                               // estimate_effect throws IoError "cancelled"; default: never
};

struct EffectsPanel {
  std::vector<Date> dates{};  // one per usable row (all of t, y, X present)
  Vector t;
  Vector y;
  Matrix X;
  std::vector<std::string> control_names{};
  std::optional<Matrix> regimes{};  // n x R filtered probabilities at t
  std::vector<std::string> regime_names{};
  std::string regime_version{};
  std::string feature_version{};
  // The newest grid date with a treatment and regime probabilities: what "current" means.
  std::optional<Date> latest{};
  std::vector<double> latest_regime_probabilities{};
  std::vector<std::string>
      latest_regime_names{};  // every regime's name, in the probabilities' order
  // The controls (X's columns) of the newest month that has them all, whose outcome may not be
  // known yet; empty for a CSV's panel.
  std::vector<double> latest_controls{};
  std::optional<Date> latest_controls_date{};
};

// What every cell of a grid reads, loaded once: the newest feature version of the spec's set
// and the newest regime version's probabilities as of each grid date.
struct EffectsSource {
  std::string feature_version{};
  Panel panel{};
  std::string regime_version{};
  std::vector<std::string> regime_names{};
  std::vector<std::vector<double>> regime_at{};  // per grid date; empty before the first regime row
  std::map<std::string, std::vector<double>>
      built{};  // built treatments on the grid (effects_treatments.h)
};
EffectsSource load_effects_source(const store::Store& store, const EffectsSpec& spec);
// The same from given versions (a stored grid's own inputs): NotFound when either is absent.
EffectsSource load_effects_source(const store::Store& store, const EffectsSpec& spec,
                                  const std::string& feature_version,
                                  const std::string& regime_version);

// Assembles the panel for one treatment, outcome and horizon.
EffectsPanel assemble_panel(const EffectsSource& source, const EffectsSpec& spec,
                            const std::string& treatment, const std::string& outcome, int horizon);
EffectsPanel assemble_panel(const store::Store& store, const EffectsSpec& spec,
                            const std::string& treatment, const std::string& outcome, int horizon);

// From a CSV: a date column first, then named columns. The outcome column is used as given
// (already an outcome at t), controls as given (no lags added).
EffectsPanel panel_from_csv(const std::filesystem::path& path, const std::string& outcome_column,
                            const std::string& treatment_column,
                            const std::vector<std::string>& controls);

// A placebo estimate (causal/placebo.h): "permuted_treatment" | "pre_treatment_outcome".
using Placebo = causal::Placebo;

// An estimate re-done another way (issue 17, point 6) and the checks judged together
// (causal/robustness.h): a single learner for both nuisances ("dml:ols") or the local
// projection at the same horizon ("local_projection").
using RobustnessCheck = causal::RobustnessCheck;
using Robustness = causal::Robustness;
// Judges checks (those with an error are left out).
using causal::judge_robustness;

struct EffectEstimate {
  std::string treatment{};
  std::string outcome{};
  int horizon = 0;
  double magnitude = 1.0;
  std::string method{};
  std::string learner{};
  int folds = 0;
  int embargo = 0;
  causal::DmlResult dml{};                           // method dml
  std::optional<causal::XLearnerResult> xlearner{};  // method xlearner
  std::vector<Placebo> placebos{};
  EffectsPanel panel{};
  TreatmentInfo info{};                    // identification of the treatment
  std::vector<std::string> notes{};        // e.g. a redundant control dropped
  std::optional<Robustness> robustness{};  // with_robustness
  // Issue 24: the conformal interval for the outcome (effects_uncertainty.h), when asked for.
  std::optional<codec::OutcomeInterval> prediction_interval{};
};

EffectEstimate estimate_effect(const EffectsPanel& panel, const EffectQuery& query,
                               const EffectsSpec& spec);

// The estimate's robustness: the DML estimate again under each of the spec's learners (both
// nuisances that learner, no placebos) and `local_projection` (computed by the caller from the
// store, see local_projection_check; nullopt to leave it out).
Robustness assess_robustness(const EffectEstimate& estimate, const EffectsSpec& spec,
                             const std::optional<RobustnessCheck>& local_projection);
// The local projection of the spec's irf settings at `horizon` months (y from the month before
// the shock to month h), as a check; an error becomes the check's `error`, never a throw.
RobustnessCheck local_projection_check(const store::Store& store, const EffectsSpec& spec,
                                       const std::string& treatment, const std::string& outcome,
                                       int horizon);

// Seed 001's query ("What happens to the S&P 500 when the Fed raises rates by 1%?"): CLI `mre
// effects ask` and POST /api/causal-analysis. The Fed's rate (macro_variable fed_shock, fed_funds,
// interest_rate or none) is answered from the identified surprise mp_surprise unless
// `as_given`; the answer names the identification, carries the robustness checks, and the event
// study on announcement days beside the monthly figure when the asset has an event outcome.
struct CausalQuery {
  std::string macro_variable{};
  std::string asset = "sp500";  // an outcome of the spec ("sp500_returns" is read as "sp500")
  double magnitude = 1.0;
  int horizon = 1;
  std::string learner{};
  std::string query_text{};
  bool as_given = false;  // true: the treatment named, even when it is not identified
  std::stop_token stop{};
};
// The answer (seed 001's shape plus identification, robustness, event_study, narrative), and
// its response JSON (codec::causal_answer_to_json of it).
codec::CausalAnswerReport causal_answer(const store::Store& store, const EffectsSpec& spec,
                                        const CausalQuery& query);
std::string answer_causal_query(const store::Store& store, const EffectsSpec& spec,
                                const CausalQuery& query);

// The whole grid (treatments x outcomes x horizons) of a spec into an effects version.
struct EffectsRunOptions {
  std::filesystem::path spec_path{};
  std::string version{};  // the tag, or "auto"
  std::string learner{};  // empty: the spec's
  // How the grid's cells are distributed (core/work_items.h): MPI ranks, or null for `threads`
  // in this process. Each cell's fit is seeded by the spec alone, so the rows do not depend on it.
  const WorkItems* work_items = nullptr;
  int threads = 1;
};
struct EffectsRunReport {
  std::string version{};
  bool written = false;
  std::size_t rows = 0;
  std::vector<std::string> skipped{};  // "treatment/outcome/h: why" for cells without an estimate
};
using EffectsProgress = std::function<void(const std::string&)>;
EffectsRunReport run_effects(store::Store& store, const EffectsRunOptions& options,
                             const EffectsProgress& progress = {});

// Writes every cell's panel of the spec's grid to DIR/<treatment>__<outcome>__<h>.csv (date, y,
// t, the controls): the exact data an estimate uses, for inspection and for the reference
// implementation in bench/effects_bench.py. Returns the number of files.
std::size_t export_panels(const store::Store& store, const std::filesystem::path& spec_path,
                          const std::filesystem::path& directory);

// The rows of a version as CSV or JSON.
std::string effects_to_csv(const std::vector<store::EffectRow>& rows);
std::string effects_to_json(const std::vector<store::EffectRow>& rows);

// The seed 001 response (causal_analysis, explanation, methodology) plus diagnostics.
std::string effect_to_json(const EffectEstimate& estimate);
std::string explain_effect(const EffectEstimate& estimate);

}  // namespace mre::workflows
