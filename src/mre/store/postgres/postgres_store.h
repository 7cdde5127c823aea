// PostgresStore: the store a team shares, schema `macro` on a PostgreSQL server (libpq). Same
// tables and versioning rules as SqliteStore. Every write is one transaction, bulk rows go
// through COPY FROM STDIN, every other statement is parameterised; writers of the same data are
// serialised by transaction-level advisory locks (one for raw series, one per version tag).
#pragma once

#include <memory>
#include <string>

#include "mre/store/store.h"

namespace mre::store {

namespace postgres {
class Connection;
}

class PostgresStore final : public Store {
 public:
  // Connects to `url` (postgresql://user[:password]@host:port/dbname; a password may also come
  // from PGPASSWORD or ~/.pgpass). With `create`, creates schema `macro` and migrates it to this
  // build's version; without, the session is read-only and nothing is created. Throws
  // StoreError, with the password redacted, for an unreachable server, failed authentication,
  // a missing database, or a schema from a newer mre.
  PostgresStore(const std::string& url, bool create);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // "postgresql://user:***@host:port/db": never the password.
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
  void migrate();
  int read_schema_version() const;
  sql::Session& artefact_session() const override;
  void require_writable() const;
  void insert_classifier_state(const std::string& version, const ClassifierState& state);

  // Reads are logically const but use the connection (cursors, transactions).
  std::unique_ptr<postgres::Connection> db_;
  int schema_version_ = 0;
  bool writable_ = false;
  std::unique_ptr<sql::Session> session_;  // over db_, for the generic artefacts
};

}  // namespace mre::store
