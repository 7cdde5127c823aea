// MemoryStore: computes the whole write first, then applies it, so a failure writes nothing.
#include "mre/store/memory/memory_store.h"

#include <algorithm>
#include <tuple>

#include <algorithm>
#include <cmath>

#include "mre/core/error.h"

#include "mre/store/revisions.h"
#include "mre/store/schema.h"
#include "mre/store/sql/session.h"

namespace mre::store {

MemoryStore::MemoryStore() = default;
MemoryStore::~MemoryStore() = default;

int MemoryStore::schema_version() const { return kSchemaVersion; }

sql::Session& MemoryStore::artefact_session() const {
  if (!artefacts_) artefacts_ = sql::sqlite_memory_session();
  return *artefacts_;
}

WriteResult MemoryStore::write_raw(std::span<const SeriesWrite> batch, Timestamp ingested_at) {
  validate_batch(batch);
  WriteResult result;
  result.ingested_at = ingested_at;
  if (!ingests_.empty() && !(ingests_.back().ingested_at < ingested_at)) {
    result.ingested_at = Timestamp::from_micros(ingests_.back().ingested_at.micros() + 1);
  }
  std::vector<RevisionDiff> diffs;
  for (const auto& write : batch) {
    const auto it = series_.find(write.ticker);
    TimeSeries current;
    if (it != series_.end()) current = current_view(write.ticker, it->second.rows, std::nullopt);
    diffs.push_back(diff_against_current(current.dates(), current.values(), write.data));
  }
  IngestRecord record{result.ingested_at, 0, 0, 0};
  for (std::size_t k = 0; k < batch.size(); ++k) {
    result.series.push_back(diffs[k].summary);
    if (diffs[k].rows.empty()) continue;
    Stored& stored = series_[batch[k].ticker];
    stored.asset_class = batch[k].asset_class;
    stored.source = batch[k].source;
    for (const auto& row : diffs[k].rows) {
      stored.rows.push_back({row.date, row.value, result.ingested_at});
    }
    std::stable_sort(stored.rows.begin(), stored.rows.end(),
                     [](const RawRow& a, const RawRow& b) { return a.date < b.date; });
    lineage_.push_back({batch[k].ticker, result.ingested_at, batch[k].source, diffs[k].summary.inserted,
                        diffs[k].summary.revised});
    ++record.series;
    record.inserted += diffs[k].summary.inserted;
    record.revised += diffs[k].summary.revised;
  }
  if (record.series > 0) ingests_.push_back(record);
  return result;
}

SeriesWriteSummary MemoryStore::write_vintages(const SeriesWrite& series, std::span<const VintageRow> rows, Timestamp ingested_at) {
  const auto it = series_.find(series.ticker);
  const std::vector<RawRow> none;
  const VintagePlan plan = plan_vintages(series.ticker, it == series_.end() ? none : it->second.rows, rows);
  if (plan.rows.empty()) return plan.summary;
  Timestamp at = ingested_at;
  if (!ingests_.empty() && !(ingests_.back().ingested_at < at)) at = Timestamp::from_micros(ingests_.back().ingested_at.micros() + 1);
  Stored& stored = series_[series.ticker];
  stored.asset_class = series.asset_class;
  stored.source = series.source;
  stored.rows.insert(stored.rows.end(), plan.rows.begin(), plan.rows.end());
  std::stable_sort(stored.rows.begin(), stored.rows.end(), [](const RawRow& a, const RawRow& b) {
    return std::tie(a.date, a.ingested_at) < std::tie(b.date, b.ingested_at);
  });
  lineage_.push_back({series.ticker, at, series.source, plan.summary.inserted, plan.summary.revised});
  ingests_.push_back({at, 1, plan.summary.inserted, plan.summary.revised});
  return plan.summary;
}

std::vector<SeriesSummary> MemoryStore::list_series() const {
  std::vector<SeriesSummary> out;
  for (const auto& [ticker, stored] : series_) {
    SeriesSummary s;
    s.ticker = ticker;
    s.asset_class = stored.asset_class;
    s.source = stored.source;
    s.rows = stored.rows.size();
    const TimeSeries current = current_view(ticker, stored.rows, std::nullopt);
    s.observations = current.size();
    s.first = current.dates().front();
    s.last = current.dates().back();
    for (const auto& row : stored.rows) s.last_ingested_at = std::max(s.last_ingested_at, row.ingested_at);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RawRow> MemoryStore::read_revisions(const RawQuery& query) const {
  std::vector<RawRow> out;
  const auto it = series_.find(query.ticker);
  if (it == series_.end()) return out;
  for (const auto& row : it->second.rows) {
    if (query.from && row.date < *query.from) continue;
    if (query.to && row.date > *query.to) continue;
    out.push_back(row);
  }
  return out;
}

std::optional<TimeSeries> MemoryStore::read_raw(const RawQuery& query) const {
  if (series_.find(query.ticker) == series_.end()) return std::nullopt;
  return current_view(query.ticker, read_revisions(query), query.as_of);
}

std::vector<IngestRecord> MemoryStore::list_ingests() const { return ingests_; }

RawHistory MemoryStore::read_raw_history() const {
  RawHistory history;
  for (const auto& [ticker, stored] : series_) history.series.push_back({ticker, stored.asset_class, stored.rows});
  history.lineage = lineage_;
  std::stable_sort(history.lineage.begin(), history.lineage.end(),
                   [](const SeriesIngest& a, const SeriesIngest& b) { return a.ticker < b.ticker; });
  history.ingests = ingests_;
  return history;
}

void MemoryStore::restore_raw_history(const RawHistory& history) {
  if (!series_.empty()) throw Error(ErrorCode::kStoreError, "memory: holds raw series already; restore into an empty store");
  for (const auto& s : history.series) {
    Stored& stored = series_[s.ticker];
    stored.asset_class = s.asset_class;
    stored.rows = s.rows;
  }
  for (const auto& l : history.lineage) series_[l.ticker].source = l.source;  // by time: the newest wins
  lineage_ = history.lineage;
  ingests_ = history.ingests;
}

FeatureWriteOutcome MemoryStore::write_features(const FeatureVersion& version, const Panel& values) {
  validate_version_tag(version.version);
  if (const auto existing = find_feature_version(version.version)) {
    same_feature_version(*existing, version);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  std::vector<FeatureValue> rows;
  FeatureVersion stored = version;
  for (std::size_t c = 0; c < values.cols(); ++c) {
    const auto& column = values.column(c);
    for (std::size_t t = 0; t < values.rows(); ++t) {
      if (std::isnan(column[t])) continue;
      rows.push_back({values.dates()[t], c, column[t]});
      if (!stored.first || values.dates()[t] < *stored.first) stored.first = values.dates()[t];
      if (!stored.last || values.dates()[t] > *stored.last) stored.last = values.dates()[t];
    }
  }
  stored.values = rows.size();
  feature_values_[version.version] = std::move(rows);
  feature_versions_.push_back(std::move(stored));
  return FeatureWriteOutcome::kWritten;
}

std::vector<FeatureVersion> MemoryStore::list_feature_versions() const {
  std::vector<FeatureVersion> out = feature_versions_;
  for (auto& v : out) v.spec_text.clear();
  return out;
}

std::optional<FeatureVersion> MemoryStore::find_feature_version(const std::string& version) const {
  for (const auto& v : feature_versions_) {
    if (v.version == version) return v;
  }
  return std::nullopt;
}

Panel MemoryStore::read_features(const std::string& version, std::optional<Date> from,
                                 std::optional<Date> to) const {
  const auto info = find_feature_version(version);
  if (!info) throw Error(ErrorCode::kNotFound, "no feature version '" + version + "' (see 'mre features list')");
  std::vector<FeatureValue> rows;
  for (const auto& row : feature_values_.at(version)) {
    if ((from && row.date < *from) || (to && row.date > *to)) continue;
    rows.push_back(row);
  }
  std::vector<std::string> names;
  for (const auto& c : info->columns) names.push_back(c.name);
  return panel_from_long(names, std::move(rows));
}

FeatureWriteOutcome MemoryStore::write_regimes(const RegimeModel& model, const std::vector<RegimeRow>& rows) {
  validate_version_tag(model.version);
  if (const auto existing = find_regime_model(model.version)) {
    same_regime_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  RegimeModel stored = model;
  stored.rows = rows.size();
  if (!rows.empty()) {
    stored.first = rows.front().date;
    stored.last = rows.back().date;
  }
  regime_rows_[model.version] = rows;
  regime_models_.push_back(std::move(stored));
  return FeatureWriteOutcome::kWritten;
}

std::vector<RegimeModel> MemoryStore::list_regime_models() const { return regime_models_; }

std::optional<RegimeModel> MemoryStore::find_regime_model(const std::string& version) const {
  for (const auto& m : regime_models_) {
    if (m.version == version) return m;
  }
  return std::nullopt;
}

std::vector<RegimeRow> MemoryStore::read_regimes(const std::string& version, std::optional<Date> from,
                                                 std::optional<Date> to) const {
  const auto it = regime_rows_.find(version);
  if (it == regime_rows_.end()) throw Error(ErrorCode::kNotFound, "no regime version '" + version + "' (see 'mre regimes list')");
  std::vector<RegimeRow> out;
  for (const auto& row : it->second) {
    if ((from && row.date < *from) || (to && row.date > *to)) continue;
    out.push_back(row);
  }
  return out;
}

void MemoryStore::write_classifier(const ClassifierModel& model, const ClassifierState& initial) {
  validate_version_tag(model.version);
  if (find_classifier(model.version)) {
    throw Error(ErrorCode::kInvalidArgument, "classifier version '" + model.version +
                                                 "' already exists; versions are never overwritten (choose a new tag)");
  }
  classifiers_.push_back(model);
  ClassifierState first = initial;
  first.sequence = 0;
  classifier_states_[model.version] = {first};
}

std::vector<ClassifierModel> MemoryStore::list_classifiers() const { return classifiers_; }

std::optional<ClassifierModel> MemoryStore::find_classifier(const std::string& version) const {
  for (const auto& m : classifiers_) {
    if (m.version == version) return m;
  }
  return std::nullopt;
}

void MemoryStore::approve_classifier(const ClassifierApproval& approval) {
  if (!find_classifier(approval.version)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + approval.version + "' (see 'mre classify list')");
  }
  approvals_.push_back(approval);
}

std::vector<ClassifierApproval> MemoryStore::list_approvals(const std::string& version) const {
  std::vector<ClassifierApproval> out;
  for (const auto& a : approvals_) {
    if (a.version == version) out.push_back(a);
  }
  return out;
}

void MemoryStore::append_classifier_state(const std::string& version, const ClassifierState& state) {
  const auto it = classifier_states_.find(version);
  if (it == classifier_states_.end()) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "' (see 'mre classify list')");
  }
  if (state.sequence != it->second.back().sequence + 1) {
    throw Error(ErrorCode::kStoreError, "classifier " + version + ": the state moved on (sequence " +
                                            std::to_string(it->second.back().sequence) +
                                            ") while this classification ran; retry");
  }
  it->second.push_back(state);
}

std::vector<ClassifierState> MemoryStore::read_classifier_states(const std::string& version, std::size_t count) const {
  const auto it = classifier_states_.find(version);
  if (it == classifier_states_.end()) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "' (see 'mre classify list')");
  }
  std::vector<ClassifierState> out;
  for (auto r = it->second.rbegin(); r != it->second.rend() && out.size() < count; ++r) out.push_back(*r);
  return out;
}

FeatureWriteOutcome MemoryStore::write_effects(const EffectVersion& version, const std::vector<EffectRow>& rows) {
  validate_version_tag(version.version);
  for (const auto& v : effect_versions_) {
    if (v.version == version.version) {
      same_effect_version(v, version);
      return FeatureWriteOutcome::kAlreadyPresent;
    }
  }
  EffectVersion stored = version;
  stored.rows = rows.size();
  effect_versions_.push_back(stored);
  auto sorted = rows;
  std::sort(sorted.begin(), sorted.end(), [](const EffectRow& a, const EffectRow& b) {
    return std::tie(a.treatment, a.outcome, a.horizon) < std::tie(b.treatment, b.outcome, b.horizon);
  });
  effect_rows_[version.version] = std::move(sorted);
  return FeatureWriteOutcome::kWritten;
}

std::vector<EffectVersion> MemoryStore::list_effect_versions() const { return effect_versions_; }

std::vector<EffectRow> MemoryStore::read_effects(const std::string& version) const {
  const auto it = effect_rows_.find(version);
  if (it == effect_rows_.end()) throw Error(ErrorCode::kNotFound, "no effects version '" + version + "' (see 'mre effects list')");
  return it->second;
}

FeatureWriteOutcome MemoryStore::write_scm_model(const ScmModel& model) {
  validate_version_tag(model.version);
  for (const auto& m : scm_models_) {
    if (m.version == model.version) {
      same_scm_model(m, model);
      return FeatureWriteOutcome::kAlreadyPresent;
    }
  }
  scm_models_.push_back(model);
  return FeatureWriteOutcome::kWritten;
}

std::vector<ScmModel> MemoryStore::list_scm_models() const {
  auto out = scm_models_;
  for (auto& m : out) m.model_json.clear();
  return out;
}

std::optional<ScmModel> MemoryStore::find_scm_model(const std::string& version) const {
  for (const auto& m : scm_models_) {
    if (m.version == version) return m;
  }
  return std::nullopt;
}

FeatureWriteOutcome MemoryStore::write_scenario(const ScenarioRun& run, const std::vector<ScenarioFanRow>& rows) {
  validate_version_tag(run.id);
  if (!find_scm_model(run.scm_version)) {
    throw Error(ErrorCode::kNotFound, "no scm version '" + run.scm_version + "' (see 'mre scm list')");
  }
  for (const auto& r : scenarios_) {
    if (r.id == run.id) return FeatureWriteOutcome::kAlreadyPresent;
  }
  scenarios_.push_back(run);
  scenario_rows_[run.id] = rows;
  return FeatureWriteOutcome::kWritten;
}

std::vector<ScenarioRun> MemoryStore::list_scenarios() const { return scenarios_; }

std::vector<ScenarioFanRow> MemoryStore::read_scenario(const std::string& id) const {
  const auto it = scenario_rows_.find(id);
  if (it == scenario_rows_.end()) throw Error(ErrorCode::kNotFound, "no scenario '" + id + "' (see 'mre scm scenarios')");
  return it->second;
}

}  // namespace mre::store
