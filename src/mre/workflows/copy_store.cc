// Store copy and checksums, through the Store interface only: the same code compares and moves
// memory, SQLite and PostgreSQL stores.
#include "mre/workflows/copy_store.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/store/revisions.h"

namespace mre::workflows {
namespace {

// Rows of one table folded into FNV-1a 64: fields end with 0x1f, rows with 0x1e, so that no
// two different rows give the same byte stream.
class TableHash {
 public:
  explicit TableHash(std::string name) : name_(std::move(name)) {}
  TableHash& field(std::string_view text) {
    for (unsigned char c : text) mix(c);
    mix(0x1f);
    return *this;
  }
  TableHash& field(double value) {
    return field(std::isnan(value) ? std::string("NaN") : format_double(value));
  }
  TableHash& field(std::int64_t value) { return field(std::to_string(value)); }
  TableHash& field(std::size_t value) { return field(std::to_string(value)); }
  TableHash& field(int value) { return field(std::to_string(value)); }
  TableHash& field(bool value) { return field(value ? "1" : "0"); }
  TableHash& field(Date value) { return field(value.iso()); }
  TableHash& field(std::optional<Date> value) {
    return field(value ? value->iso() : std::string());
  }
  TableHash& field(Timestamp value) { return field(value.iso()); }
  TableHash& field(const char* text) { return field(std::string_view(text)); }
  TableHash& field(const std::string& text) { return field(std::string_view(text)); }
  // A generic artefact cell, tagged with its type so that NULL, "" and 0 all differ.
  TableHash& field(const store::Cell& cell) {
    if (const auto* v = std::get_if<std::int64_t>(&cell)) return field("i" + std::to_string(*v));
    if (const auto* r = std::get_if<double>(&cell))
      return field("r" + (std::isnan(*r) ? std::string("NaN") : format_double(*r)));
    if (const auto* t = std::get_if<std::string>(&cell)) return field("t" + *t);
    if (const auto* d = std::get_if<Date>(&cell)) return field("d" + d->iso());
    if (const auto* ts = std::get_if<Timestamp>(&cell)) return field("T" + ts->iso());
    return field("n");
  }
  void end_row() {
    mix(0x1e);
    ++rows_;
  }
  workflows::TableSummary summary() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
    return {name_, rows_, buf};
  }

 private:
  void mix(unsigned char c) {
    hash_ ^= c;
    hash_ *= 1099511628211ULL;
  }
  std::string name_;
  std::size_t rows_ = 0;
  std::uint64_t hash_ = 1469598103934665603ULL;
};

constexpr std::size_t kAllStates = std::numeric_limits<std::size_t>::max();

}  // namespace

bool TableComparison::same() const {
  return source && target && source->rows == target->rows && source->checksum == target->checksum;
}

std::vector<TableComparison> compare_tables(const std::vector<TableSummary>& source,
                                            const std::vector<TableSummary>& target) {
  std::vector<TableComparison> out;
  std::map<std::string, std::size_t> at;
  for (const auto& s : source) {
    at.emplace(s.table, out.size());
    out.push_back({.table = s.table, .source = s});
  }
  for (const auto& t : target) {
    if (const auto it = at.find(t.table); it != at.end()) {
      out[it->second].target = t;
    } else {
      out.push_back({.table = t.table, .target = t});
    }
  }
  return out;
}

bool CopyReport::equal() const {
  const auto tables = compare_tables(source, target);
  return std::all_of(tables.begin(), tables.end(),
                     [](const TableComparison& t) { return t.same(); });
}

std::vector<TableSummary> summarize_store(const store::Store& store) {
  std::vector<TableSummary> out;
  {
    const auto history = store.read_raw_history();
    TableHash series("series");
    TableHash raw("raw_series");
    for (const auto& s : history.series) {
      series.field(s.ticker).field(asset_class_name(s.asset_class)).end_row();
      for (const auto& r : s.rows)
        raw.field(s.ticker).field(r.date).field(r.value).field(r.ingested_at).end_row();
    }
    TableHash lineage("series_ingests");
    for (const auto& l : history.lineage) {
      lineage.field(l.ticker)
          .field(l.ingested_at)
          .field(l.source)
          .field(l.inserted)
          .field(l.revised)
          .end_row();
    }
    TableHash ingests("ingests");
    for (const auto& i : history.ingests) {
      ingests.field(i.ingested_at).field(i.series).field(i.inserted).field(i.revised).end_row();
    }
    out.insert(out.end(), {series.summary(), raw.summary(), lineage.summary(), ingests.summary()});
  }
  {
    TableHash versions("feature_versions");
    TableHash columns("feature_columns");
    TableHash values("features");
    for (const auto& listed : store.list_feature_versions()) {
      const auto v = *store.find_feature_version(listed.version);
      versions.field(v.version)
          .field(v.spec_name)
          .field(v.spec_hash)
          .field(v.data_watermark)
          .field(v.frequency);
      versions.field(v.spec_text).field(v.created_at).end_row();
      for (std::size_t c = 0; c < v.columns.size(); ++c) {
        const auto& col = v.columns[c];
        columns.field(v.version).field(c).field(col.name).field(col.description).field(col.proxy);
        columns.field(col.uses_future_data).field(col.forward_looking).end_row();
      }
      const Panel panel = store.read_features(v.version, std::nullopt, std::nullopt);
      for (std::size_t t = 0; t < panel.rows(); ++t) {
        for (std::size_t c = 0; c < panel.cols(); ++c) {
          const double x = panel.column(c)[t];
          if (!std::isnan(x))
            values.field(v.version)
                .field(panel.names()[c])
                .field(panel.dates()[t])
                .field(x)
                .end_row();
        }
      }
    }
    out.insert(out.end(), {versions.summary(), columns.summary(), values.summary()});
  }
  {
    TableHash models("regime_models");
    TableHash rows("regimes_global");
    for (const auto& m : store.list_regime_models()) {
      models.field(m.version)
          .field(m.kind)
          .field(m.spec_name)
          .field(m.spec_hash)
          .field(m.spec_text);
      models.field(m.feature_version)
          .field(store::join_names(m.columns))
          .field(store::join_names(m.labels));
      models.field(m.params_json)
          .field(m.diagnostics_json)
          .field(m.trained_from)
          .field(m.trained_to);
      models.field(m.created_at).end_row();
      for (const auto& r : store.read_regimes(m.version, std::nullopt, std::nullopt)) {
        rows.field(m.version).field(r.date).field(r.regime).field(r.score);
        for (double p : r.probabilities) rows.field(p);
        rows.end_row();
      }
    }
    out.insert(out.end(), {models.summary(), rows.summary()});
  }
  {
    TableHash models("classifier_models");
    TableHash approvals("classifier_approvals");
    TableHash states("classifier_states");
    for (const auto& m : store.list_classifiers()) {
      models.field(m.version)
          .field(m.spec_name)
          .field(m.spec_hash)
          .field(m.spec_text)
          .field(m.source);
      models.field(m.model_json)
          .field(m.trained_from)
          .field(m.trained_to)
          .field(m.created_at)
          .end_row();
      for (const auto& a : store.list_approvals(m.version)) {
        approvals.field(a.version)
            .field(a.model)
            .field(a.approved_by)
            .field(a.approved_at)
            .end_row();
      }
      for (const auto& s : store.read_classifier_states(m.version, kAllStates)) {
        states.field(m.version)
            .field(s.sequence)
            .field(s.timestamp)
            .field(s.key)
            .field(s.state_json);
        states.field(s.origin).field(s.written_at).end_row();
      }
    }
    out.insert(out.end(), {models.summary(), approvals.summary(), states.summary()});
  }
  {
    TableHash versions("effect_versions");
    TableHash rows("causal_effects");
    for (const auto& v : store.list_effect_versions()) {
      versions.field(v.version)
          .field(v.spec_name)
          .field(v.spec_hash)
          .field(v.spec_text)
          .field(v.feature_version);
      versions.field(v.regime_version).field(v.created_at).end_row();
      for (const auto& r : store.read_effects(v.version)) {
        rows.field(v.version)
            .field(r.treatment)
            .field(r.outcome)
            .field(r.horizon)
            .field(r.method)
            .field(r.learner);
        rows.field(r.effect).field(r.se).field(r.ci_low).field(r.ci_high).field(r.p_value).field(
            r.observations);
        rows.field(r.regime_effects_json).field(r.placebo_json).field(r.diagnostics_json).end_row();
      }
    }
    out.insert(out.end(), {versions.summary(), rows.summary()});
  }
  {
    TableHash models("scm_models");
    for (const auto& listed : store.list_scm_models()) {
      const auto m = *store.find_scm_model(listed.version);
      models.field(m.version)
          .field(m.spec_name)
          .field(m.spec_hash)
          .field(m.spec_text)
          .field(m.data_watermark);
      models.field(m.model_json).field(m.first).field(m.last).field(m.created_at).end_row();
    }
    TableHash runs("scenario_runs");
    TableHash fans("scenarios");
    for (const auto& r : store.list_scenarios()) {
      runs.field(r.id)
          .field(r.scm_version)
          .field(r.name)
          .field(r.interventions)
          .field(r.shocks)
          .field(r.start);
      runs.field(r.horizon)
          .field(r.paths)
          .field(r.seed)
          .field(r.summary_json)
          .field(r.created_at)
          .end_row();
      for (const auto& f : store.read_scenario(r.id)) {
        fans.field(r.id)
            .field(f.day)
            .field(f.node)
            .field(f.scenario)
            .field(f.q05)
            .field(f.q25)
            .field(f.q50);
        fans.field(f.q75).field(f.q95).end_row();
      }
    }
    out.insert(out.end(), {models.summary(), runs.summary(), fans.summary()});
  }
  {
    // Generic artefacts, whatever kinds the store holds: the shared header table, then one
    // entry per kind table (every version's rows, in version order, then as written).
    TableHash versions("artefact_versions");
    std::vector<TableSummary> tables;
    for (const auto& kind : store.list_artefact_kinds()) {
      const auto headers = store.list_artefacts(kind.name);
      for (const auto& h : headers) {
        versions.field(kind.name)
            .field(h.version)
            .field(h.spec_name)
            .field(h.spec_hash)
            .field(h.spec_text);
        for (const auto& [name, value] : h.inputs) versions.field(name + "=" + value);
        versions.field(h.created_at).end_row();
      }
      for (const auto& spec : kind.tables) {
        TableHash rows(kind.name + "_" + spec.name);
        for (const auto& h : headers) {
          for (const auto& row : store.read_artefact_table(kind.name, h.version, spec.name).rows) {
            rows.field(h.version);
            for (const auto& cell : row) rows.field(cell);
            rows.end_row();
          }
        }
        tables.push_back(rows.summary());
      }
    }
    out.push_back(versions.summary());
    out.insert(out.end(), tables.begin(), tables.end());
  }
  return out;
}

namespace {

// Every version the store holds, as "<family> <tag>" (scenarios by id, artefacts by kind).
std::set<std::string> version_names(const store::Store& store) {
  std::set<std::string> out;
  for (const auto& v : store.list_feature_versions()) out.insert("features " + v.version);
  for (const auto& v : store.list_regime_models()) out.insert("regimes " + v.version);
  for (const auto& v : store.list_classifiers()) out.insert("classifier " + v.version);
  for (const auto& v : store.list_effect_versions()) out.insert("effects " + v.version);
  for (const auto& v : store.list_scm_models()) out.insert("scm " + v.version);
  for (const auto& v : store.list_scenarios()) out.insert("scenario " + v.id);
  for (const auto& kind : store.list_artefact_kinds()) {
    for (const auto& h : store.list_artefacts(kind.name)) out.insert(kind.name + " " + h.version);
  }
  return out;
}

// The copy's target must be empty or a partial copy of its source: a version only the target
// holds would make the stores differ after a copy that had already written (QA 2026-12-07: 14
// versions merged into such a target, then exit 3). Checked before anything is written.
void check_target_is_part_of(const store::Store& from, const store::Store& to) {
  const auto source = version_names(from);
  std::vector<std::string> extra;
  for (const auto& name : version_names(to)) {
    if (!source.count(name)) extra.push_back(name);
  }
  if (extra.empty()) return;
  std::string names;
  for (std::size_t i = 0; i < extra.size() && i < 5; ++i) names += (i ? ", " : "") + extra[i];
  if (extra.size() > 5) names += ", ...";
  throw Error(ErrorCode::kInvalidArgument,
              to.describe() + " holds " + std::to_string(extra.size()) + " version(s) that " +
                  from.describe() + " does not (" + names +
                  "); copy into an empty store, or into a partial copy of this source. Nothing "
                  "was written");
}

}  // namespace

CopyReport copy_store(const store::Store& from, store::Store& to) {
  check_target_is_part_of(from, to);
  CopyReport report;
  // Raw history: verbatim into an empty target, skipped when the target holds the same.
  const auto history = from.read_raw_history();
  const auto target_history = to.read_raw_history();
  if (target_history.series.empty()) {
    to.restore_raw_history(history);
    report.raw_copied = true;
  } else {
    const auto a = summarize_store(from);
    const auto b = summarize_store(to);
    for (std::size_t i = 0; i < 4; ++i) {  // series, raw_series, series_ingests, ingests
      if (a[i].rows != b[i].rows || a[i].checksum != b[i].checksum) {
        throw Error(ErrorCode::kInvalidArgument, to.describe() +
                                                     " already holds different raw series (table " +
                                                     a[i].table + "); copy into an empty store");
      }
    }
  }
  auto count = [&](store::FeatureWriteOutcome outcome) {
    ++(outcome == store::FeatureWriteOutcome::kWritten ? report.versions_copied
                                                       : report.versions_present);
  };
  for (const auto& listed : from.list_feature_versions()) {
    const auto version = *from.find_feature_version(listed.version);
    count(to.write_features(version,
                            from.read_features(version.version, std::nullopt, std::nullopt)));
  }
  for (const auto& model : from.list_regime_models()) {
    count(to.write_regimes(model, from.read_regimes(model.version, std::nullopt, std::nullopt)));
  }
  for (const auto& model : from.list_classifiers()) {
    if (to.find_classifier(model.version)) {
      ++report.versions_present;  // the checksums below show whether it is the same
      continue;
    }
    auto states = from.read_classifier_states(model.version, kAllStates);
    std::reverse(states.begin(), states.end());  // oldest first
    if (states.empty())
      throw Error(ErrorCode::kInternal, "classifier " + model.version + " has no training state");
    to.write_classifier(model, states.front());
    for (std::size_t i = 1; i < states.size(); ++i)
      to.append_classifier_state(model.version, states[i]);
    for (const auto& approval : from.list_approvals(model.version)) to.approve_classifier(approval);
    ++report.versions_copied;
  }
  for (const auto& version : from.list_effect_versions())
    count(to.write_effects(version, from.read_effects(version.version)));
  for (const auto& listed : from.list_scm_models())
    count(to.write_scm_model(*from.find_scm_model(listed.version)));
  for (const auto& run : from.list_scenarios())
    count(to.write_scenario(run, from.read_scenario(run.id)));
  // Generic artefacts: every kind as stored, every version with all its tables.
  for (const auto& kind : from.list_artefact_kinds()) {
    for (const auto& header : from.list_artefacts(kind.name)) {
      std::vector<store::ArtefactTable> tables;
      for (const auto& spec : kind.tables)
        tables.push_back(from.read_artefact_table(kind.name, header.version, spec.name));
      const auto outcome = to.write_artefact(kind, header, tables);
      ++(outcome == store::ArtefactWriteOutcome::kWritten ? report.versions_copied
                                                          : report.versions_present);
    }
  }
  report.source = summarize_store(from);
  report.target = summarize_store(to);
  return report;
}

}  // namespace mre::workflows
