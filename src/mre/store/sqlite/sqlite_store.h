// SqliteStore: the embedded default store, one file, WAL mode (readers never block the one
// writer), every write in a single IMMEDIATE transaction that rolls back on any failure.
#pragma once

#include <filesystem>
#include <memory>

#include "mre/store/store.h"

struct sqlite3;

namespace mre::store {

class SqliteStore final : public Store {
 public:
  // Opens (and with `create`, creates and migrates) the store at `path`. Without `create` the
  // file is opened read-only and must exist. Throws StoreError naming the path: not an SQLite
  // database, read-only when a write is needed, schema newer than this build.
  SqliteStore(const std::filesystem::path& path, bool create);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::string describe() const override;
  int schema_version() const override;
  WriteResult write_raw(std::span<const SeriesWrite> batch, Timestamp ingested_at) override;
  SeriesWriteSummary write_vintages(const SeriesWrite& series, std::span<const VintageRow> rows, Timestamp ingested_at) override;
  std::vector<SeriesSummary> list_series() const override;
  std::optional<TimeSeries> read_raw(const RawQuery& query) const override;
  std::vector<RawRow> read_revisions(const RawQuery& query) const override;
  std::vector<IngestRecord> list_ingests() const override;
  RawHistory read_raw_history() const override;
  void restore_raw_history(const RawHistory& history) override;
  FeatureWriteOutcome write_features(const FeatureVersion& version, const Panel& values) override;
  std::vector<FeatureVersion> list_feature_versions() const override;
  std::optional<FeatureVersion> find_feature_version(const std::string& version) const override;
  Panel read_features(const std::string& version, std::optional<Date> from,
                      std::optional<Date> to) const override;
  FeatureWriteOutcome write_regimes(const RegimeModel& model, const std::vector<RegimeRow>& rows) override;
  std::vector<RegimeModel> list_regime_models() const override;
  std::optional<RegimeModel> find_regime_model(const std::string& version) const override;
  std::vector<RegimeRow> read_regimes(const std::string& version, std::optional<Date> from,
                                      std::optional<Date> to) const override;
  void write_classifier(const ClassifierModel& model, const ClassifierState& initial) override;
  std::vector<ClassifierModel> list_classifiers() const override;
  std::optional<ClassifierModel> find_classifier(const std::string& version) const override;
  void approve_classifier(const ClassifierApproval& approval) override;
  std::vector<ClassifierApproval> list_approvals(const std::string& version) const override;
  void append_classifier_state(const std::string& version, const ClassifierState& state) override;
  std::vector<ClassifierState> read_classifier_states(const std::string& version, std::size_t count) const override;
  FeatureWriteOutcome write_effects(const EffectVersion& version, const std::vector<EffectRow>& rows) override;
  std::vector<EffectVersion> list_effect_versions() const override;
  std::vector<EffectRow> read_effects(const std::string& version) const override;
  FeatureWriteOutcome write_scm_model(const ScmModel& model) override;
  std::vector<ScmModel> list_scm_models() const override;
  std::optional<ScmModel> find_scm_model(const std::string& version) const override;
  FeatureWriteOutcome write_scenario(const ScenarioRun& run, const std::vector<ScenarioFanRow>& rows) override;
  std::vector<ScenarioRun> list_scenarios() const override;
  std::vector<ScenarioFanRow> read_scenario(const std::string& id) const override;

 private:
  void insert_classifier_state(const std::string& version, const ClassifierState& state);
  void migrate();
  sql::Session& artefact_session() const override;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  bool writable_ = false;
  std::unique_ptr<sql::Session> session_;  // over db_, for the generic artefacts
};

}  // namespace mre::store
