// An in-memory Store for tests and throwaway runs: same contract as SQLite, nothing on disk.
#pragma once

#include <map>
#include <memory>

#include "mre/store/revisions.h"
#include "mre/store/store.h"

namespace mre::store {

class MemoryStore final : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;
  std::string describe() const override { return "memory"; }
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

 protected:
  sql::Session& artefact_session() const override;

 private:
  struct Stored {
    AssetClass asset_class = AssetClass::kMacro;
    std::string source;
    std::vector<RawRow> rows;  // ordered by (date, ingested_at)
  };
  std::map<std::string, Stored> series_;
  std::vector<IngestRecord> ingests_;
  std::vector<SeriesIngest> lineage_;  // in write order
  std::vector<FeatureVersion> feature_versions_;
  std::map<std::string, std::vector<FeatureValue>> feature_values_;
  std::vector<RegimeModel> regime_models_;
  std::map<std::string, std::vector<RegimeRow>> regime_rows_;
  std::vector<ClassifierModel> classifiers_;
  std::vector<ClassifierApproval> approvals_;
  std::map<std::string, std::vector<ClassifierState>> classifier_states_;  // oldest first
  std::vector<EffectVersion> effect_versions_;
  std::map<std::string, std::vector<EffectRow>> effect_rows_;
  std::vector<ScmModel> scm_models_;
  std::vector<ScenarioRun> scenarios_;
  std::map<std::string, std::vector<ScenarioFanRow>> scenario_rows_;
  // Generic artefacts: an in-memory SQLite database (opened on first use) under the same
  // protocol code as the other backends, rather than a third implementation of it.
  mutable std::unique_ptr<sql::Session> artefacts_;
};

}  // namespace mre::store
