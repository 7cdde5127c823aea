// The Store interface: the versioned home of raw series (and, in later layers, features,
// regimes, effects and scenarios). Backends: MemoryStore (tests), SqliteStore (the default),
// PostgresStore (teams). Every write is one transaction: all of it lands or none of it does.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mre/core/asset_class.h"
#include "mre/core/date.h"
#include "mre/core/time_series.h"
#include "mre/store/artefact.h"

namespace mre::store {

namespace sql {
class Session;
}

// One series to write: present observations only (NaN is refused with DataError).
struct SeriesWrite {
  std::string ticker;
  AssetClass asset_class = AssetClass::kMacro;
  std::string source;  // where it came from: "snapshot:fred/DGS10.csv", "csv:my.csv", "fred", ...
  TimeSeries data;
};

// One observation as published (a vintage): the value of `date` known from `published_at` on.
struct VintageRow {
  Date date;
  double value = 0.0;
  Timestamp published_at;
};

struct SeriesWriteSummary {
  std::string ticker;
  std::size_t inserted = 0;   // dates never seen before
  std::size_t revised = 0;    // dates whose current value changed: a revision row appended
  std::size_t unchanged = 0;  // identical to the current value: nothing written
};

struct WriteResult {
  Timestamp ingested_at;  // the timestamp every appended row carries
  std::vector<SeriesWriteSummary> series;
  std::size_t inserted() const;
  std::size_t revised() const;
  std::size_t unchanged() const;
};

struct SeriesSummary {
  std::string ticker;
  AssetClass asset_class = AssetClass::kMacro;
  std::string source;            // of the newest ingest that changed the series (lineage has all)
  std::size_t observations = 0;  // distinct dates
  std::size_t rows = 0;          // stored rows, revisions included
  Date first;
  Date last;
  Timestamp last_ingested_at;
};

// A stored row, for revision history.
struct RawRow {
  Date date;
  double value = 0.0;
  Timestamp ingested_at;
};

struct RawQuery {
  std::string ticker{};
  std::optional<Date> from{};        // inclusive
  std::optional<Date> to{};          // inclusive
  std::optional<Timestamp> as_of{};  // the data as known at that time; latest when absent
};

struct IngestRecord {
  Timestamp ingested_at;
  std::size_t series = 0;
  std::size_t inserted = 0;
  std::size_t revised = 0;
};

// One column of a feature version.
struct FeatureColumn {
  std::string name{};
  std::string description{};
  std::string proxy{};  // non-empty when the values are a proxy for the named series
  bool uses_future_data = false;
  bool forward_looking = false;
};

// A feature version: the tag, what it was built from, and its columns.
struct FeatureVersion {
  std::string version{};  // the tag, e.g. F1
  std::string spec_name{};
  std::string spec_hash{};       // hash of the canonical spec
  std::string data_watermark{};  // newest ingest time of the raw series read (ISO)
  std::string frequency{};       // daily | weekly | month_end
  std::string spec_text{};       // the canonical spec, for reproduction
  Timestamp created_at{};
  std::vector<FeatureColumn> columns{};
  std::size_t values = 0;  // stored (present) values
  std::optional<Date> first{};
  std::optional<Date> last{};
};

enum class FeatureWriteOutcome { kWritten, kAlreadyPresent };

// A regime model version: what it was fitted on and how, its parameters (JSON text from
// codec/), and the names of its regimes in the order of every probability vector.
struct RegimeModel {
  std::string version{};  // the tag, e.g. V2_HMM
  std::string kind{};     // hmm | kmeans | rules
  std::string spec_name{};
  std::string spec_hash{};
  std::string spec_text{};
  std::string feature_version{};  // the feature version it read
  std::vector<std::string> columns{};
  std::vector<std::string> labels{};
  std::string params_json{};       // the last fit (walk-forward) or the rules
  std::string diagnostics_json{};  // fit summaries, refit dates, ...
  std::optional<Date> trained_from{};
  std::optional<Date> trained_to{};
  Timestamp created_at{};
  std::size_t rows = 0;  // stored dates
  std::optional<Date> first{};
  std::optional<Date> last{};
};

// One date of a regime version: the label, its score (the largest probability), and the full
// probability vector in RegimeModel::labels order.
struct RegimeRow {
  Date date{};
  std::string regime{};
  double score = 0.0;
  std::vector<double> probabilities{};
};

// A trained hierarchical classifier (seed 003): both HMMs, their training statistics and
// state-to-label mappings, as one JSON document (codec/classifier_json.h). Never overwritten.
struct ClassifierModel {
  std::string version{};  // the tag, e.g. GMR1
  std::string spec_name{};
  std::string spec_hash{};
  std::string spec_text{};
  std::string source{};  // the feature version read, or "csv:<file>"
  std::string model_json{};
  std::string trained_from{};  // first and last training timestamps, as in the data
  std::string trained_to{};
  Timestamp created_at{};
};

// A subject-matter expert's sign-off of one model's mapping (MR-BR-10): "global_macro" or "muni".
struct ClassifierApproval {
  std::string version{};
  std::string model{};
  std::string approved_by{};
  Timestamp approved_at{};
};

// The filter state carried from one observation to the next (both HMMs' filtered state
// probabilities), appended by every real-time classification; sequence 0 is the end of training.
struct ClassifierState {
  std::int64_t sequence = 0;
  std::string timestamp{};   // the observation's timestamp, as given
  std::int64_t key = 0;      // the same time in microseconds since the epoch (ordering)
  std::string state_json{};  // {"global": [...], "muni": [...]}
  std::string origin{};      // "train" | "classify"
  Timestamp written_at{};
};

// A grid of causal effects (seed 001): what it was estimated from. The tag is bound to the spec
// and the feature and regime versions it read.
struct EffectVersion {
  std::string version{};
  std::string spec_name{};
  std::string spec_hash{};
  std::string spec_text{};
  std::string feature_version{};
  std::string regime_version{};
  Timestamp created_at{};
  std::size_t rows = 0;
};

// One estimate of the grid.
struct EffectRow {
  std::string treatment{};
  std::string outcome{};
  int horizon = 0;
  std::string method{};  // dml | xlearner
  std::string learner{};
  double effect = 0.0;
  double se = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;
  std::int64_t observations = 0;
  std::string regime_effects_json{};  // {"regime": {"effect": ..., "confidence_interval": [...],
                                      // "p_value": ...}}
  std::string placebo_json{};         // [{"kind": ..., "effect": ..., "p_value": ...}]
  std::string diagnostics_json{};
};

// A fitted structural causal model (seed 002): the graph, the data mapping, the coefficients,
// the data it was fitted on and the regimes of its shocks, as one JSON document
// (codec/scm_json.h). The tag is bound to the spec and the data watermark.
struct ScmModel {
  std::string version{};
  std::string spec_name{};
  std::string spec_hash{};
  std::string spec_text{};
  std::string data_watermark{};  // newest ingest time of the raw series read (ISO)
  std::string model_json{};      // empty in list_scm_models()
  std::optional<Date> first{};   // the first and last dates of the fitted changes
  std::optional<Date> last{};
  Timestamp created_at{};
};

// One run of `mre scm simulate`: its inputs and summary. The id is a hash of the inputs, so
// the same run (same model, interventions, generator, start, horizon, paths, seed) is stored once.
struct ScenarioRun {
  std::string id{};
  std::string scm_version{};
  std::string name{};           // a named scenario from the spec, or "custom"
  std::string interventions{};  // the --do expressions, "; "-separated
  std::string shocks{};         // the generator
  Date start{};
  int horizon = 0;
  int paths = 0;
  std::int64_t seed = 0;
  std::string summary_json{};  // the effect distribution at the horizon
  Timestamp created_at{};
};

// One fan row: quantiles of a node's level on a day of the horizon in one world.
struct ScenarioFanRow {
  int day = 0;
  std::string node{};
  std::string scenario{};  // baseline | intervened
  double q05 = 0.0;
  double q25 = 0.0;
  double q50 = 0.0;
  double q75 = 0.0;
  double q95 = 0.0;
};

// One series' share of one ingest: where its appended rows came from (raw_series' lineage).
struct SeriesIngest {
  std::string ticker{};
  Timestamp ingested_at{};
  std::string source{};
  std::size_t inserted = 0;
  std::size_t revised = 0;
};

// Everything write_raw ever appended, verbatim: for copying a whole store (`mre db copy`).
struct RawHistory {
  struct Series {
    std::string ticker{};
    AssetClass asset_class = AssetClass::kMacro;
    std::vector<RawRow> rows{};  // by (date, ingested_at)
  };
  std::vector<Series> series{};         // by ticker
  std::vector<SeriesIngest> lineage{};  // by ticker, then ingest time
  std::vector<IngestRecord> ingests{};  // oldest first
};

class Store {
 public:
  virtual ~Store() = default;

  // Human-readable description for messages ("sqlite:/path/mre.db"); never holds credentials.
  virtual std::string describe() const = 0;
  virtual int schema_version() const = 0;

  // Appends, in one transaction, every observation whose date is new for its ticker or whose
  // value differs from the current one; identical values write nothing. Rows carry
  // `ingested_at`, raised if needed to 1 µs after the newest stored ingest so that ingest
  // times are strictly increasing. REQUIRES: unique tickers, finite values.
  // Throws DataError (bad input; nothing written) or StoreError (nothing written).
  virtual WriteResult write_raw(std::span<const SeriesWrite> batch, Timestamp ingested_at) = 0;

  // Appends, in one transaction, the vintages of one series (series.data is ignored): a row is
  // written unless the store's view as of its published_at already holds that value for that
  // date. Rows carry their published_at as their time, so as-of reads return what was known
  // when; the lineage and ingest log record the write itself at `ingested_at` (raised as by
  // write_raw). REQUIRES finite values (DataError, nothing written).
  virtual SeriesWriteSummary write_vintages(const SeriesWrite& series,
                                            std::span<const VintageRow> rows,
                                            Timestamp ingested_at) = 0;

  virtual std::vector<SeriesSummary> list_series() const = 0;
  // Current values (or as known at query.as_of); nullopt when the ticker has no rows at all.
  virtual std::optional<TimeSeries> read_raw(const RawQuery& query) const = 0;
  // Every stored row of the ticker in [from, to], ordered by date then ingest time.
  virtual std::vector<RawRow> read_revisions(const RawQuery& query) const = 0;
  // Every write_raw that appended something, oldest first.
  virtual std::vector<IngestRecord> list_ingests() const = 0;
  // The whole raw history (rows with their ingest times, catalogue, lineage, ingest log).
  virtual RawHistory read_raw_history() const = 0;
  // Writes a history read from another store verbatim, ingest times included, in one
  // transaction. REQUIRES: this store holds no raw series (StoreError otherwise).
  virtual void restore_raw_history(const RawHistory& history) = 0;

  // Writes a feature version in one transaction: its description and every present value of
  // `values` (columns in version.columns order). A tag is bound to its spec and data: when
  // the tag exists with the same spec_hash and data_watermark nothing is written
  // (kAlreadyPresent); with a different one it is refused (InvalidArgument naming the tag).
  virtual FeatureWriteOutcome write_features(const FeatureVersion& version,
                                             const Panel& values) = 0;
  // Versions, oldest first, without spec_text.
  virtual std::vector<FeatureVersion> list_feature_versions() const = 0;
  virtual std::optional<FeatureVersion> find_feature_version(const std::string& version) const = 0;
  // The wide panel of a version: dates holding at least one value in [from, to], one column per
  // feature in the version's order, NaN where absent. Throws NotFound for an unknown tag.
  virtual Panel read_features(const std::string& version, std::optional<Date> from,
                              std::optional<Date> to) const = 0;

  // Writes a regime version in one transaction; the tag is bound to spec_hash and
  // feature_version exactly as feature tags are (same: no-op; different: refused).
  virtual FeatureWriteOutcome write_regimes(const RegimeModel& model,
                                            const std::vector<RegimeRow>& rows) = 0;
  virtual std::vector<RegimeModel> list_regime_models() const = 0;
  virtual std::optional<RegimeModel> find_regime_model(const std::string& version) const = 0;
  // Rows in [from, to] by date; NotFound for an unknown version.
  virtual std::vector<RegimeRow> read_regimes(const std::string& version, std::optional<Date> from,
                                              std::optional<Date> to) const = 0;

  // Writes a classifier version and its state at the end of training (sequence 0) in one
  // transaction. An existing tag is never overwritten: InvalidArgument naming it.
  virtual void write_classifier(const ClassifierModel& model, const ClassifierState& initial) = 0;
  // Versions, oldest first.
  virtual std::vector<ClassifierModel> list_classifiers() const = 0;
  virtual std::optional<ClassifierModel> find_classifier(const std::string& version) const = 0;
  // Appends a sign-off; NotFound for an unknown version.
  virtual void approve_classifier(const ClassifierApproval& approval) = 0;
  virtual std::vector<ClassifierApproval> list_approvals(const std::string& version) const = 0;
  // Appends the state after a real-time classification. state.sequence must be one more than
  // the newest stored sequence, checked inside the write transaction, so two concurrent
  // classifications cannot both advance from the same state (StoreError: retry). NotFound for
  // an unknown version.
  virtual void append_classifier_state(const std::string& version,
                                       const ClassifierState& state) = 0;
  // The newest `count` states, newest first; NotFound for an unknown version.
  virtual std::vector<ClassifierState> read_classifier_states(const std::string& version,
                                                              std::size_t count) const = 0;

  // Writes an effects version and its rows in one transaction; the tag is bound to spec_hash,
  // feature_version and regime_version (same: no-op, kAlreadyPresent; different: refused).
  virtual FeatureWriteOutcome write_effects(const EffectVersion& version,
                                            const std::vector<EffectRow>& rows) = 0;
  virtual std::vector<EffectVersion> list_effect_versions() const = 0;
  // Rows ordered by treatment, outcome, horizon; NotFound for an unknown version.
  virtual std::vector<EffectRow> read_effects(const std::string& version) const = 0;

  // Writes a fitted SCM in one transaction; the tag is bound to spec_hash and data_watermark
  // (same: no-op, kAlreadyPresent; different: refused naming the tag).
  virtual FeatureWriteOutcome write_scm_model(const ScmModel& model) = 0;
  // Versions, oldest first, without model_json.
  virtual std::vector<ScmModel> list_scm_models() const = 0;
  virtual std::optional<ScmModel> find_scm_model(const std::string& version) const = 0;

  // Writes a scenario run and its fan rows in one transaction; an existing id is a no-op
  // (kAlreadyPresent). NotFound when run.scm_version is not stored.
  virtual FeatureWriteOutcome write_scenario(const ScenarioRun& run,
                                             const std::vector<ScenarioFanRow>& rows) = 0;
  // Runs, oldest first.
  virtual std::vector<ScenarioRun> list_scenarios() const = 0;
  // Rows ordered by scenario, day, node (in the order written); NotFound for an unknown id.
  virtual std::vector<ScenarioFanRow> read_scenario(const std::string& id) const = 0;

  // Generic versioned artefacts (artefact.h), the same code for every backend (artefact.cc).
  // Writes a version of `kind` in one transaction (the kind's tables are created on its first
  // write). The tag is bound to spec_hash and inputs: the same again writes nothing
  // (kAlreadyPresent); any difference is refused (InvalidArgument naming the tag and what
  // differs); a version is never overwritten. Bad names, cells of the wrong type or NULL keys:
  // InvalidArgument, nothing written.
  ArtefactWriteOutcome write_artefact(const ArtefactKind& kind, const ArtefactHeader& header,
                                      const std::vector<ArtefactTable>& tables);
  // Every kind stored, with its tables as stored (for copying a store whatever it holds).
  std::vector<ArtefactKind> list_artefact_kinds() const;
  // Versions of a kind, oldest first (empty for an unknown kind).
  std::vector<ArtefactHeader> list_artefacts(const std::string& kind) const;
  std::optional<ArtefactHeader> find_artefact(const std::string& kind,
                                              const std::string& version) const;
  // A table's rows of one version in the order written, optionally only those whose date column
  // `range->column` is in [from, to]. NotFound for an unknown kind, version or table.
  ArtefactTable read_artefact_table(const std::string& kind, const std::string& version,
                                    const std::string& table,
                                    const std::optional<DateRange>& range = std::nullopt) const;

  // Holds the store-wide lock `name` until the result is destroyed, across transactions and
  // processes: another holder of the same name makes this wait (`on_wait` is called first).
  // For jobs whose stages must not interleave with a second copy of themselves (`mre run`).
  std::unique_ptr<Lease> hold_lock(const std::string& name,
                                   const std::function<void()>& on_wait = {});

 protected:
  // The SQL session the generic artefacts live in (the backend's own database; MemoryStore's is
  // an in-memory SQLite database).
  virtual sql::Session& artefact_session() const = 0;
};

// Opens a store from a --db value: ":memory:" for a MemoryStore, "postgresql://..." or
// "postgres://..." for PostgreSQL, anything else is an SQLite file path (created when missing and
// `create` is true). Migrates the schema when writable. Throws StoreError naming the target.
std::unique_ptr<Store> open_store(const std::string& target, bool create = true);
// The --db value as it may be printed: a PostgreSQL URL's password replaced by "***".
std::string printable_target(const std::string& target);
// The SQLite file a --db value names (the "sqlite:" prefix removed); nothing for ":memory:" or a
// PostgreSQL URL.
std::optional<std::filesystem::path> sqlite_path(const std::string& target);
// For a --db value naming an SQLite file that does not exist yet: its path; otherwise (":memory:",
// a PostgreSQL URL, an existing file) nothing.
std::optional<std::filesystem::path> new_sqlite_path(const std::string& target);
// Removes the SQLite store at `path` (with its -wal, -shm and -journal files) when it holds
// nothing but its schema: every table but schema_version empty. For a command that created the
// file and then failed, so that no empty store is left behind (a store holding any row is never
// touched). Returns whether it removed it; never throws.
bool remove_if_empty(const std::filesystem::path& path) noexcept;

}  // namespace mre::store
