// The hierarchical classifier's use cases (seed 003): train both HMMs and map their states to
// labels, report the mapping for sign-off, approve it, classify one observation in real time
// (advancing the stored filter state) and classify a historical CSV (streaming, the same
// forward step, never touching the stored state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mre/codec/classifier_json.h"  // classification_document: classify_realtime_document
#include "mre/regimes/hierarchical/backfill.h"
#include "mre/regimes/hierarchical/classifier.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/store/store.h"
#include "mre/workflows/freshness.h"

namespace mre::workflows {

// config/classifier/*.yml. The state counts and indicators are fixed by the requirements
// (MR-IMPL-02: 6 and 3 states); the spec sets the HMM settings shared by both models.
struct ClassifierSpec {
  std::string name{};
  std::string feature_set = "indicators";  // the store's feature set to train on
  regimes::hmm::GaussianHmmConfig hmm{};   // MR-IMPL-02: full, n_iter 1000, tol 1e-4, seed 42
  int retrain_every_months = 6;            // MR-AI-04
  // Issue 18: a missing indicator is marginalised; an observation with fewer present MR-DS-01
  // indicators than this is refused (DataError naming the missing ones). Half of the ten.
  int min_indicators = 5;
  // Issue 18: the backfill's retrains screen their starts (em-EM, GaussianHmmConfig::
  // screen_iterations): each of the n_init starts runs this many EM iterations and only the
  // best continues. 0: every start to convergence (training a served version always does).
  int backfill_screen_iterations = 25;
  // Issue 18, fourth pass (regimes/hierarchical/backfill.h), available, not the default: at a
  // warm retrain a fresh optimum replaces the continued previous one only when Vuong's test
  // prefers it at this one-sided level (1, the default: the highest likelihood always wins), and
  // the first retrain runs every start to convergence. With 0.05 and true the five seeds agree
  // far more often but the labels lose their meaning (docs/classifier.md, "Fourth pass").
  double backfill_switch_level = 1.0;
  bool backfill_full_first_fit = false;
  std::vector<std::string> instrument_types{};  // accepted instrument_type values (MUNI among them)
  std::string canonical_text{};
  std::string hash{};
};
ClassifierSpec load_classifier_spec(const std::filesystem::path& path);

struct TrainOptions {
  std::string version{};  // the tag, or "auto"
  std::filesystem::path spec_path{};
  std::optional<std::filesystem::path>
      data_csv{};                     // MR-IMPL-01 CSV instead of the store's features
  std::string features_version{};     // empty: the newest of the spec's feature set
  std::optional<std::string> from{};  // inclusive bounds on the training timestamps
  std::optional<std::string> to{};
  // Issue 18: a previous version to align the new states to (Hungarian on state means) before
  // the mapping; the report then gives the label churn against it.
  std::string align_to{};
};

struct TrainReport {
  bool written =
      true;  // false: version "auto" resolved to an existing version (same spec and data)
  store::ClassifierModel record{};
  regimes::hierarchical::HierarchicalModel model{};
  std::size_t rows = 0;
  int global_iterations = 0;
  bool global_converged = false;
  int muni_iterations = 0;
  bool muni_converged = false;
  // The multi-start spread of each HMM (issue 18): every start's final log-likelihood and how
  // many reached the best (within 1e-3).
  std::vector<double> global_start_log_likelihoods{};
  int global_starts_at_best = 0;
  std::vector<double> muni_start_log_likelihoods{};
  int muni_starts_at_best = 0;
  // With align_to: the share of training rows whose global label differs between the previous
  // version and the new one, each filtering the same rows.
  std::string aligned_to{};
  double label_churn = 0.0;
  std::size_t churn_rows = 0;
  // The classification of the last training observation (the carried state's labels).
  regimes::hierarchical::Classification latest{};
};
TrainReport train_classifier(store::Store& store, const TrainOptions& options);

// The classification carried by a version's newest state (the end of training, or the latest
// real-time call): its timestamp and labels.
struct CurrentClassification {
  std::string timestamp{};
  regimes::hierarchical::HierarchicalModel model{};
  regimes::hierarchical::Classification result{};
  std::vector<double> values{};  // the classified observation's ten indicators (NaN: absent)
};
CurrentClassification current_classification(const store::Store& store, const std::string& version);
// The same with the version's model already parsed (a long-lived server keeps them: a version
// is never overwritten).
CurrentClassification current_classification(const store::Store& store, const std::string& version,
                                             const regimes::hierarchical::HierarchicalModel& model);
// A version's model (NotFound naming it).
regimes::hierarchical::HierarchicalModel load_classifier(const store::Store& store,
                                                         const std::string& version);

// MR-BR-10 / MR-IMPL-03: per model, the state z-score table, the distance matrix, the
// assignment and its cost, the MR-BR-03 check, and the sign-offs so far.
std::string mapping_report(const store::Store& store, const std::string& version);

// Records a sign-off of "global_macro", "muni" or "all" (both).
void approve_classifier(store::Store& store, const std::string& version, const std::string& model,
                        const std::string& by);

// DataError naming an instrument type the version's spec does not list (empty: non-MUNI, fine);
// NotFound for an unknown version.
void check_instrument_type(const store::Store& store, const std::string& version,
                           const std::string& type);
// Throws InvalidArgument unless both models carry a sign-off (or `allow_unapproved`).
void require_approved(const store::Store& store, const std::string& version, bool allow_unapproved);

// One observation: its timestamp as given, its time key, the ten MR-DS-01 indicators in order.
struct Observation {
  std::string timestamp{};
  std::int64_t key = 0;
  std::vector<double> values{};
  std::string instrument_type{};
};
// A timestamp's ordering key: "YYYY-MM-DD" is that day's midnight UTC; full ISO times as given.
std::optional<std::int64_t> timestamp_key(std::string_view text);

// Reads {"timestamp": ..., "instrument_type": ..., "<indicator>": number, ...} (indicators also
// accepted under "indicators": {...}). Names a missing indicator, a non-numeric or non-finite
// value, an unparsable timestamp. `instrument_type` (when non-empty) overrides the file's.
Observation parse_observation_json(const std::string& text, const std::string& source,
                                   const std::string& instrument_type);

using ClassifyLog = std::function<void(std::string_view)>;

struct RealtimeOptions {
  std::string version{};
  bool allow_unapproved = false;
  bool explain = false;
  bool persist =
      true;  // false: classify from the carried state without appending (read-only callers)
  // Issue 18: the universe whose staleness rule judges the indicators' ages (empty:
  // sources::default_universe_path()).
  std::filesystem::path universe{};
};
// Classifies one observation from the stored carried state and appends the new state (unless
// persist is false). Returns the MR-DS-02 JSON with issue 18's "coverage" (each indicator used or
// not, its age and stale flag on the observation's UTC date: indicator_ages). Refuses a
// timestamp older than the model's last state.
std::string classify_realtime(store::Store& store, const RealtimeOptions& options,
                              const Observation& observation, const ClassifyLog& log = {},
                              const regimes::hierarchical::HierarchicalModel* parsed = nullptr);
// The same answer as a document (codec::classification_document; its text is
// codec::classification_text of it): POST /api/classify encodes it once, as JSON or CSV.
nlohmann::ordered_json classify_realtime_document(
    store::Store& store, const RealtimeOptions& options, const Observation& observation,
    const ClassifyLog& log = {}, const regimes::hierarchical::HierarchicalModel* parsed = nullptr);

struct HistoricalOptions {
  std::string version{};
  std::filesystem::path input{};
  std::filesystem::path output{};
  bool allow_unapproved = false;
  bool explain = false;  // adds an `explanation` column
  // Issue 18: the universe whose staleness rule judges the indicators' ages (empty:
  // sources::default_universe_path()).
  std::filesystem::path universe{};
};
struct HistoricalReport {
  std::size_t rows = 0;
  bool started_from_carried_state = false;
  bool overlaps_training =
      false;  // the file begins on or before the end of the training data (in-sample)
  // Rows with fewer present indicators than min_indicators: written with empty result cells.
  std::size_t unclassified_rows = 0;
  std::string first_unclassified{};  // FILE:LINE: N of 10 indicators
  std::string carried_timestamp{};
};
HistoricalReport classify_historical(const store::Store& store, const HistoricalOptions& options,
                                     const ClassifyLog& log = {});

// What classify_historical reads from the store (the model, its spec's instrument types and
// minimum indicators, the carried state), read once: classifying many files (issue 28,
// workflows/classify_files.h) reads the store once and the files on several threads or ranks.
// NotFound for an unknown version; InvalidArgument for an unapproved one (unless allowed).
struct HistoricalContext {
  std::string version{};
  regimes::hierarchical::HierarchicalModel model{};
  std::vector<std::string> instrument_types{};
  int min_indicators = 5;
  regimes::hierarchical::FilterState carried{};
  std::int64_t carried_key = 0;
  std::string carried_timestamp{};
  std::string trained_from{};
  std::string trained_to{};
  IndicatorAgeSource ages{};  // issue 18: each row's indicator ages on its date
};
HistoricalContext load_historical_context(const store::Store& store, const std::string& version,
                                          bool allow_unapproved,
                                          const std::filesystem::path& universe = {});
// classify_historical on a context already read (options.version and allow_unapproved unused).
// Reads no store: safe on several threads at once.
HistoricalReport classify_historical(const HistoricalContext& context,
                                     const HistoricalOptions& options, const ClassifyLog& log = {});

// The same on an in-memory model, for benchmarks and tests: `start` is the filter state to
// begin from (nullptr: the initial distributions); `ages` gives each row's indicator ages on the
// row's UTC date (nullptr: the age cells are left empty).
HistoricalReport classify_csv(const regimes::hierarchical::HierarchicalModel& model,
                              const std::vector<std::string>& instrument_types,
                              const std::filesystem::path& input,
                              const std::filesystem::path& output,
                              const regimes::hierarchical::FilterState* start, bool explain,
                              int min_indicators = 5, const IndicatorAgeSource* ages = nullptr);

// The explanation sentence for one classification (MR-FR-03).
std::string explain_classification(const std::string& timestamp,
                                   const regimes::hierarchical::HierarchicalModel& model,
                                   const regimes::hierarchical::Classification& result, bool muni);

// Walk-forward classification "as known then" (issue 18): every date of the store's indicator
// features labelled by the classifier retrained on the data before it (MR-AI-04's schedule,
// each retrain aligned to the previous and re-mapped), stored as a regime version of kind
// "classifier_backfill" (readable with `mre regimes show`). Its mappings are research output:
// never approved, never served.
struct BackfillOptions {
  std::string version{};  // the tag, or "auto"
  std::filesystem::path spec_path{};
  std::string features_version{};       // empty: the newest of the spec's feature set
  std::optional<std::string> to{};      // only feature dates up to this one (YYYY-MM-DD)
  std::optional<std::uint64_t> seed{};  // instead of the spec's
  std::optional<int> n_init{};          // instead of the spec's
  int min_train_rows = 504;
  bool warm_start = true;
  std::optional<int> screen_iterations{};  // instead of the spec's backfill_screen_iterations
  std::optional<double> switch_level{};    // instead of the spec's backfill_switch_level
  int threads = 0;
  // The EM starts on these work items (MPI ranks); null: `threads` threads here. Never changes
  // the result.
  const WorkItems* work_items = nullptr;
};
struct BackfillRun {
  std::string canonical_text{};  // the spec's canonical text plus the backfill settings
  std::string feature_version{};
  std::vector<Date> dates{};
  regimes::hierarchical::BackfillResult result{};
  std::vector<store::RegimeRow> rows{};  // one per labelled date
  std::vector<std::string> labels{};     // the global labels, in probability order
  int retrain_every_months = 6;
};
// The canonical text a backfill with these options is stored under (its spec hash's input).
std::string backfill_canonical_text(const BackfillOptions& options);
// Computes without storing (bad settings: InvalidArgument naming the option).
BackfillRun run_backfill(const store::Store& store, const BackfillOptions& options);
struct BackfillReport {
  std::string version{};
  bool written = false;
  BackfillRun run{};
};
BackfillReport backfill_classifier(store::Store& store, const BackfillOptions& options);

// A classifier version's named history (issue 22, the dashboard's default regime view): the
// global model's label probabilities on every date of the feature version it was trained on (a
// version trained on a CSV: the newest version of the "indicators" feature set), filtered
// forward from the initial distribution with the version's stored parameters, exactly as
// `classify historical` filters a file (rows with fewer than min_indicators indicators are left
// out and the filter state carries over them). The filter always starts at the first feature
// date, so a row never depends on `from` or on anything after it; `from`/`to` only trim the
// answer. Rows up to trained_to are in-sample: the parameters were fitted on them (the
// walk-forward "as known then" history is `classify backfill`).
struct ClassifierHistory {
  store::RegimeModel
      model{};  // version, kind "classifier_history", feature_version, labels, trained_from/to
  std::vector<store::RegimeRow> rows{};
  bool approved = false;  // the global model's mapping carries a sign-off
  std::size_t unclassified_rows = 0;
};
ClassifierHistory classifier_history(
    const store::Store& store, const std::string& version, std::optional<Date> from,
    std::optional<Date> to, const regimes::hierarchical::HierarchicalModel* parsed = nullptr);

// The mapping report of a backfill version: every retrain's assignment, marked as unapproved
// research output.
std::string backfill_mapping_report(const store::Store& store, const std::string& version);

}  // namespace mre::workflows
