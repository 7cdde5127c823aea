// SqlStore: every versioned family of Store (features, regimes, classifiers and their sign-offs
// and states, effects, SCM versions, scenarios) written once over the SQL session of
// sql/session.h, in the typed tables of schemas 2-6. The versioning protocol lives here and in
// revisions.h (the tag-binding rules): one write transaction, the tag's writers serialised, the
// stored version compared (same spec and inputs: kAlreadyPresent; different: refused), never
// overwritten. A backend derives from it and adds its connection, migrations and raw series.
#pragma once

#include "mre/store/store.h"

namespace mre::store {

class SqlStore : public Store {
 public:
  FeatureWriteOutcome write_features(const FeatureVersion& version, const Panel& values) final;
  std::vector<FeatureVersion> list_feature_versions() const final;
  std::optional<FeatureVersion> find_feature_version(const std::string& version) const final;
  Panel read_features(const std::string& version, std::optional<Date> from,
                      std::optional<Date> to) const final;
  FeatureWriteOutcome write_regimes(const RegimeModel& model,
                                    const std::vector<RegimeRow>& rows) final;
  std::vector<RegimeModel> list_regime_models() const final;
  std::optional<RegimeModel> find_regime_model(const std::string& version) const final;
  std::vector<RegimeRow> read_regimes(const std::string& version, std::optional<Date> from,
                                      std::optional<Date> to) const final;
  void write_classifier(const ClassifierModel& model, const ClassifierState& initial) final;
  std::vector<ClassifierModel> list_classifiers() const final;
  std::optional<ClassifierModel> find_classifier(const std::string& version) const final;
  void approve_classifier(const ClassifierApproval& approval) final;
  std::vector<ClassifierApproval> list_approvals(const std::string& version) const final;
  void append_classifier_state(const std::string& version, const ClassifierState& state) final;
  std::vector<ClassifierState> read_classifier_states(const std::string& version,
                                                      std::size_t count) const final;
  FeatureWriteOutcome write_effects(const EffectVersion& version,
                                    const std::vector<EffectRow>& rows) final;
  std::vector<EffectVersion> list_effect_versions() const final;
  std::vector<EffectRow> read_effects(const std::string& version) const final;
  FeatureWriteOutcome write_scm_model(const ScmModel& model) final;
  std::vector<ScmModel> list_scm_models() const final;
  std::optional<ScmModel> find_scm_model(const std::string& version) const final;
  FeatureWriteOutcome write_scenario(const ScenarioRun& run,
                                     const std::vector<ScenarioFanRow>& rows) final;
  std::vector<ScenarioRun> list_scenarios() const final;
  std::vector<ScenarioFanRow> read_scenario(const std::string& id) const final;
};

}  // namespace mre::store
