// The versioned families of Store, written once over sql::Session for every backend. Tables
// and column types are those of the hand-written schemas 2-6 (sqlite_store.cc and
// postgres_store.cc keep their DDL); the few columns whose form differs by dialect go through
// the encoders at the top of this file.
#include "mre/store/sql_store.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/store/revisions.h"
#include "mre/store/sql/session.h"

namespace mre::store {
namespace {

using sql::Dialect;
using sql::Session;
using sql::Statement;
using T = ColumnType;

// --- The columns whose form differs by dialect -------------------------------------------------

bool sqlite(const Session& s) { return s.dialect() == Dialect::kSqlite; }

// A date of features.dt, regimes_global.dt and regime_models.trained_*: INTEGER yyyymmdd on
// SQLite (a third of an ISO text's size), date on PostgreSQL.
Cell day(const Session& s, Date date) {
  if (sqlite(s))
    return static_cast<std::int64_t>(date.year()) * 10000 + date.month() * 100 + date.day();
  return date;
}
Cell day(const Session& s, std::optional<Date> date) { return date ? day(s, *date) : Cell{}; }
// The open ends of a date range in the same form.
Cell first_day(const Session& s, std::optional<Date> from) {
  if (from) return day(s, *from);
  return sqlite(s) ? Cell(std::int64_t{0}) : Cell(std::string("-infinity"));
}
Cell last_day(const Session& s, std::optional<Date> to) {
  if (to) return day(s, *to);
  return sqlite(s) ? Cell(std::int64_t{99991231}) : Cell(std::string("infinity"));
}

std::optional<Date> read_day(const Session& s, const Statement& q, int col) {
  if (!sqlite(s)) {
    const Cell c = q.column(col, T::kDate);
    if (std::holds_alternative<std::monostate>(c)) return std::nullopt;
    return std::get<Date>(c);
  }
  const Cell c = q.column(col, T::kInteger);
  if (std::holds_alternative<std::monostate>(c)) return std::nullopt;
  const std::int64_t value = std::get<std::int64_t>(c);
  const int y = static_cast<int>(value / 10000);
  const int m = static_cast<int>(value / 100 % 100);
  const int d = static_cast<int>(value % 100);
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
    throw Error(ErrorCode::kStoreError, s.describe() + ": corrupt date " + std::to_string(value));
  }
  return Date::from_ymd(y, m, d);
}
Date read_day_required(const Session& s, const Statement& q, int col) {
  const auto date = read_day(s, q, col);
  if (!date) throw Error(ErrorCode::kStoreError, s.describe() + ": a required date is NULL");
  return *date;
}

// scm_models.first_date/last_date: ISO text ('' when absent) on SQLite, a nullable date on
// PostgreSQL.
Cell optional_iso_day(const Session& s, std::optional<Date> date) {
  if (sqlite(s)) return date ? Cell(*date) : Cell(std::string());
  return date ? Cell(*date) : Cell{};
}
std::optional<Date> read_optional_iso_day(const Session& s, const Statement& q, int col) {
  if (!sqlite(s)) {
    const Cell c = q.column(col, T::kDate);
    if (std::holds_alternative<std::monostate>(c)) return std::nullopt;
    return std::get<Date>(c);
  }
  const Cell c = q.column(col, T::kText);
  if (!std::holds_alternative<std::string>(c) || std::get<std::string>(c).empty())
    return std::nullopt;
  return Date::parse(std::get<std::string>(c));
}

// regimes_global.probabilities: "[p1,p2]" text on SQLite, double precision[] on PostgreSQL (read
// back through a cast to text, "{p1,p2}"; PostgreSQL 12+ prints doubles shortest round-trip).
Cell probabilities(const Session& s, const std::vector<double>& p) {
  if (sqlite(s)) return format_probabilities(p);
  std::string out = "{";
  for (std::size_t i = 0; i < p.size(); ++i) out += (i ? "," : "") + format_double(p[i]);
  return out + "}";
}
std::string probabilities_column(const Session& s) {
  return sqlite(s) ? "probabilities" : "CAST(probabilities AS text)";
}
std::vector<double> read_probabilities(const Statement& q, int col) {
  std::string text = std::get<std::string>(q.column(col, T::kText));
  if (!text.empty() && text.front() == '{') text.front() = '[';
  if (!text.empty() && text.back() == '}') text.back() = ']';
  return parse_probabilities(text);
}

// --- Cells
// ----------------------------------------------------------------------------------------

std::string text(const Statement& q, int col) {
  Cell c = q.column(col, T::kText);
  return std::holds_alternative<std::string>(c) ? std::move(std::get<std::string>(c))
                                                : std::string();
}
std::int64_t integer(const Statement& q, int col) {
  const Cell c = q.column(col, T::kInteger);
  return std::holds_alternative<std::int64_t>(c) ? std::get<std::int64_t>(c) : 0;
}
double real(const Statement& q, int col) { return std::get<double>(q.column(col, T::kReal)); }
Timestamp timestamp(const Statement& q, int col) {
  return std::get<Timestamp>(q.column(col, T::kTimestamp));
}
bool is_null(const Statement& q, int col) {
  return std::holds_alternative<std::monostate>(q.column(col, T::kText));
}
Cell count_cell(std::size_t n) { return static_cast<std::int64_t>(n); }

// Binds `params` in order and returns the statement ready to step.
std::unique_ptr<Statement> query(Session& s, const std::string& sql,
                                 const std::vector<Cell>& params = {}) {
  auto q = s.prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) q->bind(static_cast<int>(i), params[i]);
  return q;
}

void require_writable(const Session& s) {
  if (!s.writable())
    throw Error(ErrorCode::kStoreError, s.describe() + ": opened read-only; cannot write");
}

// One write of a family: a write transaction in which the writers of `lock_name` are serialised
// (PostgreSQL advisory lock; SQLite's IMMEDIATE transaction excludes every other writer), so the
// tag check below sees every commit.
struct WriteTransaction {
  WriteTransaction(Session& s, const std::string& lock_name) : tx(s, true) { s.lock(lock_name); }
  sql::Transaction tx;
};

// --- Features -----------------------------------------------------------------------------------

std::string feature_version_select(const Session& s) {
  const std::string f = s.table("features");
  return "SELECT v.version, v.spec_name, v.spec_hash, v.data_watermark, v.frequency, v.created_at, "
         "(SELECT count(*) FROM " +
         f +
         " f WHERE f.version = v.version), "
         "(SELECT min(dt) FROM " +
         f +
         " f WHERE f.version = v.version), "
         "(SELECT max(dt) FROM " +
         f + " f WHERE f.version = v.version), v.spec_text FROM " + s.table("feature_versions") +
         " v ";
}

FeatureVersion feature_version_row(const Session& s, const Statement& q) {
  FeatureVersion v;
  v.version = text(q, 0);
  v.spec_name = text(q, 1);
  v.spec_hash = text(q, 2);
  v.data_watermark = text(q, 3);
  v.frequency = text(q, 4);
  v.created_at = timestamp(q, 5);
  v.values = static_cast<std::size_t>(integer(q, 6));
  v.first = read_day(s, q, 7);
  v.last = read_day(s, q, 8);
  v.spec_text = text(q, 9);
  return v;
}

std::vector<FeatureColumn> feature_columns(Session& s, const std::string& version) {
  auto q = query(s,
                 "SELECT feature, description, proxy, CAST(uses_future_data AS INTEGER), "
                 "CAST(forward_looking AS INTEGER) FROM " +
                     s.table("feature_columns") + " WHERE version = ? ORDER BY position",
                 {version});
  std::vector<FeatureColumn> out;
  while (q->step())
    out.push_back(
        {text(*q, 0), text(*q, 1), text(*q, 2), integer(*q, 3) != 0, integer(*q, 4) != 0});
  return out;
}

std::optional<FeatureVersion> find_feature_version_in(Session& s, const std::string& version) {
  std::optional<FeatureVersion> out;
  {
    auto q = query(s, feature_version_select(s) + "WHERE v.version = ?", {version});
    if (q->step()) out = feature_version_row(s, *q);
  }
  if (out) out->columns = feature_columns(s, version);
  return out;
}

// --- Regimes ------------------------------------------------------------------------------------

std::string regime_select(const Session& s) {
  const std::string g = s.table("regimes_global");
  return "SELECT m.version, m.kind, m.spec_name, m.spec_hash, m.spec, m.feature_version, "
         "m.columns, m.labels, "
         "m.params, m.diagnostics, m.trained_from, m.trained_to, m.created_at, "
         "(SELECT count(*) FROM " +
         g +
         " g WHERE g.version = m.version), "
         "(SELECT min(dt) FROM " +
         g +
         " g WHERE g.version = m.version), "
         "(SELECT max(dt) FROM " +
         g + " g WHERE g.version = m.version) FROM " + s.table("regime_models") + " m ";
}

RegimeModel regime_row(const Session& s, const Statement& q) {
  RegimeModel m;
  m.version = text(q, 0);
  m.kind = text(q, 1);
  m.spec_name = text(q, 2);
  m.spec_hash = text(q, 3);
  m.spec_text = text(q, 4);
  m.feature_version = text(q, 5);
  m.columns = split_names(text(q, 6));
  m.labels = split_names(text(q, 7));
  m.params_json = text(q, 8);
  m.diagnostics_json = text(q, 9);
  m.trained_from = read_day(s, q, 10);
  m.trained_to = read_day(s, q, 11);
  m.created_at = timestamp(q, 12);
  m.rows = static_cast<std::size_t>(integer(q, 13));
  m.first = read_day(s, q, 14);
  m.last = read_day(s, q, 15);
  return m;
}

std::optional<RegimeModel> find_regime_model_in(Session& s, const std::string& version) {
  auto q = query(s, regime_select(s) + "WHERE m.version = ?", {version});
  if (!q->step()) return std::nullopt;
  return regime_row(s, *q);
}

// --- Classifiers --------------------------------------------------------------------------------

std::string classifier_select(const Session& s) {
  return "SELECT version, spec_name, spec_hash, spec, source, model, trained_from, trained_to, "
         "created_at FROM " +
         s.table("classifier_models") + " ";
}

ClassifierModel classifier_row(const Statement& q) {
  return {text(q, 0), text(q, 1), text(q, 2), text(q, 3),     text(q, 4),
          text(q, 5), text(q, 6), text(q, 7), timestamp(q, 8)};
}

std::optional<ClassifierModel> find_classifier_in(Session& s, const std::string& version) {
  auto q = query(s, classifier_select(s) + "WHERE version = ?", {version});
  if (!q->step()) return std::nullopt;
  return classifier_row(*q);
}

void insert_classifier_state(Session& s, const std::string& version, const ClassifierState& state) {
  const std::vector<Row> row = {{version, state.sequence, state.timestamp, state.key,
                                 state.state_json, state.origin, state.written_at}};
  s.bulk_insert("classifier_states",
                {"version", "sequence", "ts", "ts_key", "state", "origin", "written_at"}, {}, row);
}

[[noreturn]] void no_classifier(const std::string& version) {
  throw Error(ErrorCode::kNotFound,
              "no classifier version '" + version + "' (see 'mre classify list')");
}

// --- Effects
// --------------------------------------------------------------------------------------

std::vector<EffectVersion> effect_versions_in(Session& s, const std::string* only) {
  auto q = query(
      s,
      "SELECT v.version, v.spec_name, v.spec_hash, v.spec, v.feature_version, v.regime_version, "
      "v.created_at, (SELECT count(*) FROM " +
          s.table("causal_effects") + " e WHERE e.version = v.version) FROM " +
          s.table("effect_versions") + " v" + (only ? " WHERE v.version = ?" : "") +
          " ORDER BY v.created_at, v.version",
      only ? std::vector<Cell>{*only} : std::vector<Cell>{});
  std::vector<EffectVersion> out;
  while (q->step()) {
    out.push_back({text(*q, 0), text(*q, 1), text(*q, 2), text(*q, 3), text(*q, 4), text(*q, 5),
                   timestamp(*q, 6), static_cast<std::size_t>(integer(*q, 7))});
  }
  return out;
}

// --- SCM
// ------------------------------------------------------------------------------------------

ScmModel scm_row(const Session& s, const Statement& q, bool with_model) {
  ScmModel m;
  m.version = text(q, 0);
  m.spec_name = text(q, 1);
  m.spec_hash = text(q, 2);
  m.spec_text = text(q, 3);
  m.data_watermark = text(q, 4);
  if (with_model) m.model_json = text(q, 5);
  m.first = read_optional_iso_day(s, q, 6);
  m.last = read_optional_iso_day(s, q, 7);
  m.created_at = timestamp(q, 8);
  return m;
}

std::string scm_select(const Session& s, bool with_model) {
  return std::string("SELECT version, spec_name, spec_hash, spec, data_watermark, ") +
         (with_model ? "model" : "''") + ", first_date, last_date, created_at FROM " +
         s.table("scm_models") + " ";
}

std::optional<ScmModel> find_scm_model_in(Session& s, const std::string& version) {
  auto q = query(s, scm_select(s, true) + "WHERE version = ?", {version});
  if (!q->step()) return std::nullopt;
  return scm_row(s, *q, true);
}

bool exists(Session& s, const std::string& table, const std::string& key_column,
            const std::string& key) {
  auto q =
      query(s, "SELECT count(*) FROM " + s.table(table) + " WHERE " + key_column + " = ?", {key});
  q->step();
  return integer(*q, 0) > 0;
}

std::vector<ScenarioRun> scenario_runs_in(Session& s) {
  auto q = query(s,
                 "SELECT id, scm_version, name, interventions, shocks, start_date, horizon, paths, "
                 "seed, summary, "
                 "created_at FROM " +
                     s.table("scenario_runs") + " ORDER BY created_at, id");
  std::vector<ScenarioRun> out;
  while (q->step()) {
    ScenarioRun r;
    r.id = text(*q, 0);
    r.scm_version = text(*q, 1);
    r.name = text(*q, 2);
    r.interventions = text(*q, 3);
    r.shocks = text(*q, 4);
    r.start = std::get<Date>(q->column(5, T::kDate));
    r.horizon = static_cast<int>(integer(*q, 6));
    r.paths = static_cast<int>(integer(*q, 7));
    r.seed = integer(*q, 8);
    r.summary_json = text(*q, 9);
    r.created_at = timestamp(*q, 10);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

// --- Features -----------------------------------------------------------------------------------

FeatureWriteOutcome SqlStore::write_features(const FeatureVersion& version, const Panel& values) {
  Session& s = artefact_session();
  require_writable(s);
  validate_version_tag(version.version);
  if (values.cols() != version.columns.size()) {
    throw Error(ErrorCode::kInternal, "write_features: columns do not match the version's");
  }
  // Two builds of one tag: the second waits for the first to commit, then finds the tag taken.
  WriteTransaction w(s, "mre:features:" + version.version);
  if (const auto existing = find_feature_version_in(s, version.version)) {
    same_feature_version(*existing, version);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  const std::vector<Row> head = {{version.version, version.spec_name, version.spec_hash,
                                  version.data_watermark, version.frequency, version.spec_text,
                                  version.created_at}};
  s.bulk_insert("feature_versions",
                {"version", "spec_name", "spec_hash", "data_watermark", "frequency", "spec_text",
                 "created_at"},
                {}, head);
  std::vector<Row> columns;
  for (std::size_t c = 0; c < version.columns.size(); ++c) {
    const FeatureColumn& info = version.columns[c];
    columns.push_back({version.version, count_cell(c), info.name, info.description, info.proxy,
                       std::int64_t{info.uses_future_data}, std::int64_t{info.forward_looking}});
  }
  s.bulk_insert("feature_columns",
                {"version", "position", "feature", "description", "proxy", "uses_future_data",
                 "forward_looking"},
                {}, columns);
  std::vector<Row> rows;
  for (std::size_t c = 0; c < values.cols(); ++c) {
    const auto& data = values.column(c);
    for (std::size_t t = 0; t < values.rows(); ++t) {
      if (std::isnan(data[t])) continue;
      rows.push_back(
          {version.version, version.columns[c].name, day(s, values.dates()[t]), data[t]});
    }
  }
  s.bulk_insert("features", {"version", "feature", "dt", "value"}, {}, rows);
  w.tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<FeatureVersion> SqlStore::list_feature_versions() const {
  std::vector<FeatureVersion> out;
  if (schema_version() < 2) return out;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  {
    auto q = query(s, feature_version_select(s) + "ORDER BY v.created_at, v.version");
    while (q->step()) {
      out.push_back(feature_version_row(s, *q));
      out.back().spec_text.clear();
    }
  }
  for (auto& v : out) v.columns = feature_columns(s, v.version);
  tx.commit();
  return out;
}

std::optional<FeatureVersion> SqlStore::find_feature_version(const std::string& version) const {
  if (schema_version() < 2) return std::nullopt;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = find_feature_version_in(s, version);
  tx.commit();
  return out;
}

Panel SqlStore::read_features(const std::string& version, std::optional<Date> from,
                              std::optional<Date> to) const {
  if (schema_version() < 2)
    throw Error(ErrorCode::kNotFound,
                "no feature version '" + version + "' (see 'mre features list')");
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  const auto info = find_feature_version_in(s, version);
  if (!info)
    throw Error(ErrorCode::kNotFound,
                "no feature version '" + version + "' (see 'mre features list')");
  std::vector<std::string> names;
  std::map<std::string, std::size_t, std::less<>> position;
  for (const auto& c : info->columns) {
    position[c.name] = names.size();
    names.push_back(c.name);
  }
  std::vector<FeatureValue> rows;
  {
    auto q = query(s,
                   "SELECT feature, dt, value FROM " + s.table("features") +
                       " WHERE version = ? AND dt >= ? AND dt <= ? ORDER BY dt",
                   {version, first_day(s, from), last_day(s, to)});
    while (q->step()) {
      const auto it = position.find(text(*q, 0));
      if (it == position.end()) continue;
      rows.push_back({read_day_required(s, *q, 1), it->second, real(*q, 2)});
    }
  }
  tx.commit();
  return panel_from_long(names, std::move(rows));
}

// --- Regimes ------------------------------------------------------------------------------------

FeatureWriteOutcome SqlStore::write_regimes(const RegimeModel& model,
                                            const std::vector<RegimeRow>& rows) {
  Session& s = artefact_session();
  require_writable(s);
  validate_version_tag(model.version);
  check_regime_write(model, rows);
  WriteTransaction w(s, "mre:regimes:" + model.version);
  if (const auto existing = find_regime_model_in(s, model.version)) {
    same_regime_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  const std::vector<Row> head = {{model.version, model.kind, model.spec_name, model.spec_hash,
                                  model.spec_text, model.feature_version, join_names(model.columns),
                                  join_names(model.labels), model.params_json,
                                  model.diagnostics_json, day(s, model.trained_from),
                                  day(s, model.trained_to), model.created_at}};
  s.bulk_insert("regime_models",
                {"version", "kind", "spec_name", "spec_hash", "spec", "feature_version", "columns",
                 "labels", "params", "diagnostics", "trained_from", "trained_to", "created_at"},
                {}, head);
  std::vector<Row> body;
  body.reserve(rows.size());
  for (const auto& row : rows) {
    body.push_back({model.version, day(s, row.date), row.regime, row.score,
                    probabilities(s, row.probabilities)});
  }
  s.bulk_insert("regimes_global", {"version", "dt", "regime", "score", "probabilities"}, {}, body);
  w.tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<RegimeModel> SqlStore::list_regime_models() const {
  std::vector<RegimeModel> out;
  if (schema_version() < 3) return out;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  {
    auto q = query(s, regime_select(s) + "ORDER BY m.created_at, m.version");
    while (q->step()) out.push_back(regime_row(s, *q));
  }
  tx.commit();
  return out;
}

std::optional<RegimeModel> SqlStore::find_regime_model(const std::string& version) const {
  if (schema_version() < 3) return std::nullopt;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = find_regime_model_in(s, version);
  tx.commit();
  return out;
}

std::vector<RegimeRow> SqlStore::read_regimes(const std::string& version, std::optional<Date> from,
                                              std::optional<Date> to) const {
  const std::string missing = "no regime version '" + version + "' (see 'mre regimes list')";
  if (schema_version() < 3) throw Error(ErrorCode::kNotFound, missing);
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  const auto model = find_regime_model_in(s, version);
  if (!model) throw Error(ErrorCode::kNotFound, missing);
  std::vector<RegimeRow> out;
  {
    auto q = query(s,
                   "SELECT dt, regime, score, " + probabilities_column(s) + " FROM " +
                       s.table("regimes_global") +
                       " WHERE version = ? AND dt >= ? AND dt <= ? ORDER BY dt",
                   {version, first_day(s, from), last_day(s, to)});
    while (q->step()) {
      out.push_back(
          {read_day_required(s, *q, 0), text(*q, 1), real(*q, 2), read_probabilities(*q, 3)});
      // A version an older mre stored with a comma in a label reads back with one label more
      // than each row has probabilities; every reader indexes one by the other.
      if (out.back().probabilities.size() != model->labels.size()) {
        throw Error(ErrorCode::kStoreError,
                    "regime version '" + version + "' is inconsistent: " + out.back().date.iso() +
                        " has " + std::to_string(out.back().probabilities.size()) +
                        " probabilities for " + std::to_string(model->labels.size()) +
                        " labels (a label with a comma, stored before mre refused one?); "
                        "re-fit it under a new tag");
      }
    }
  }
  tx.commit();
  return out;
}

// --- Classifiers --------------------------------------------------------------------------------

void SqlStore::write_classifier(const ClassifierModel& model, const ClassifierState& initial) {
  Session& s = artefact_session();
  require_writable(s);
  validate_version_tag(model.version);
  WriteTransaction w(s, "mre:classifier:" + model.version);
  if (find_classifier_in(s, model.version)) {
    throw Error(ErrorCode::kInvalidArgument,
                "classifier version '" + model.version +
                    "' already exists; versions are never overwritten (choose a new tag)");
  }
  const std::vector<Row> head = {{model.version, model.spec_name, model.spec_hash, model.spec_text,
                                  model.source, model.model_json, model.trained_from,
                                  model.trained_to, model.created_at}};
  s.bulk_insert("classifier_models",
                {"version", "spec_name", "spec_hash", "spec", "source", "model", "trained_from",
                 "trained_to", "created_at"},
                {}, head);
  ClassifierState first = initial;
  first.sequence = 0;
  insert_classifier_state(s, model.version, first);
  w.tx.commit();
}

std::vector<ClassifierModel> SqlStore::list_classifiers() const {
  std::vector<ClassifierModel> out;
  if (schema_version() < 4) return out;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  {
    auto q = query(s, classifier_select(s) + "ORDER BY created_at, version");
    while (q->step()) out.push_back(classifier_row(*q));
  }
  tx.commit();
  return out;
}

std::optional<ClassifierModel> SqlStore::find_classifier(const std::string& version) const {
  if (schema_version() < 4) return std::nullopt;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = find_classifier_in(s, version);
  tx.commit();
  return out;
}

void SqlStore::approve_classifier(const ClassifierApproval& approval) {
  Session& s = artefact_session();
  require_writable(s);
  WriteTransaction w(s, "mre:classifier:" + approval.version);
  if (!find_classifier_in(s, approval.version)) no_classifier(approval.version);
  const std::vector<Row> row = {
      {approval.version, approval.model, approval.approved_by, approval.approved_at}};
  s.bulk_insert("classifier_approvals", {"version", "model", "approved_by", "approved_at"}, {},
                row);
  w.tx.commit();
}

std::vector<ClassifierApproval> SqlStore::list_approvals(const std::string& version) const {
  std::vector<ClassifierApproval> out;
  if (schema_version() < 4) return out;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  {
    // The whole primary key orders the sign-offs, so every backend lists them alike.
    auto q =
        query(s,
              "SELECT model, approved_by, approved_at FROM " + s.table("classifier_approvals") +
                  " WHERE version = ? ORDER BY approved_at, model, approved_by",
              {version});
    while (q->step()) out.push_back({version, text(*q, 0), text(*q, 1), timestamp(*q, 2)});
  }
  tx.commit();
  return out;
}

void SqlStore::append_classifier_state(const std::string& version, const ClassifierState& state) {
  Session& s = artefact_session();
  require_writable(s);
  // Two real-time calls that read the same state: the second waits here, then sees the sequence
  // moved on and fails (retry).
  WriteTransaction w(s, "mre:classifier:" + version);
  std::int64_t newest = 0;
  {
    auto q =
        query(s, "SELECT max(sequence) FROM " + s.table("classifier_states") + " WHERE version = ?",
              {version});
    q->step();
    if (is_null(*q, 0)) no_classifier(version);
    newest = integer(*q, 0);
  }
  if (state.sequence != newest + 1) {
    throw Error(ErrorCode::kStoreError,
                "classifier " + version + ": the state moved on (sequence " +
                    std::to_string(newest) + ") while this classification ran; retry");
  }
  insert_classifier_state(s, version, state);
  w.tx.commit();
}

std::vector<ClassifierState> SqlStore::read_classifier_states(const std::string& version,
                                                              std::size_t count) const {
  if (schema_version() < 4) no_classifier(version);
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  if (!find_classifier_in(s, version)) no_classifier(version);
  const auto limit = static_cast<std::int64_t>(std::min<std::size_t>(
      count, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
  std::vector<ClassifierState> out;
  {
    auto q = query(s,
                   "SELECT sequence, ts, ts_key, state, origin, written_at FROM " +
                       s.table("classifier_states") +
                       " WHERE version = ? ORDER BY sequence DESC LIMIT ?",
                   {version, limit});
    while (q->step()) {
      out.push_back({integer(*q, 0), text(*q, 1), integer(*q, 2), text(*q, 3), text(*q, 4),
                     timestamp(*q, 5)});
    }
  }
  tx.commit();
  return out;
}

// --- Effects
// --------------------------------------------------------------------------------------

FeatureWriteOutcome SqlStore::write_effects(const EffectVersion& version,
                                            const std::vector<EffectRow>& rows) {
  Session& s = artefact_session();
  require_writable(s);
  validate_version_tag(version.version);
  WriteTransaction w(s, "mre:effects:" + version.version);
  if (const auto existing = effect_versions_in(s, &version.version); !existing.empty()) {
    same_effect_version(existing.front(), version);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  const std::vector<Row> head = {{version.version, version.spec_name, version.spec_hash,
                                  version.spec_text, version.feature_version,
                                  version.regime_version, version.created_at}};
  s.bulk_insert("effect_versions",
                {"version", "spec_name", "spec_hash", "spec", "feature_version", "regime_version",
                 "created_at"},
                {}, head);
  std::vector<Row> body;
  body.reserve(rows.size());
  for (const auto& r : rows) {
    body.push_back({version.version, r.treatment, r.outcome, std::int64_t{r.horizon}, r.method,
                    r.learner, r.effect, r.se, r.ci_low, r.ci_high, r.p_value, r.observations,
                    r.regime_effects_json, r.placebo_json, r.diagnostics_json});
  }
  s.bulk_insert(
      "causal_effects",
      {"version", "treatment", "outcome", "horizon", "method", "learner", "effect", "se", "ci_low",
       "ci_high", "p_value", "observations", "regime_effects", "placebo", "diagnostics"},
      {}, body);
  w.tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<EffectVersion> SqlStore::list_effect_versions() const {
  if (schema_version() < 5) return {};
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = effect_versions_in(s, nullptr);
  tx.commit();
  return out;
}

std::vector<EffectRow> SqlStore::read_effects(const std::string& version) const {
  const std::string missing = "no effects version '" + version + "' (see 'mre effects list')";
  if (schema_version() < 5) throw Error(ErrorCode::kNotFound, missing);
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  if (effect_versions_in(s, &version).empty()) throw Error(ErrorCode::kNotFound, missing);
  std::vector<EffectRow> out;
  {
    auto q = query(s,
                   "SELECT treatment, outcome, horizon, method, learner, effect, se, ci_low, "
                   "ci_high, p_value, "
                   "observations, regime_effects, placebo, diagnostics FROM " +
                       s.table("causal_effects") +
                       " WHERE version = ? ORDER BY treatment, outcome, horizon",
                   {version});
    while (q->step()) {
      EffectRow r;
      r.treatment = text(*q, 0);
      r.outcome = text(*q, 1);
      r.horizon = static_cast<int>(integer(*q, 2));
      r.method = text(*q, 3);
      r.learner = text(*q, 4);
      r.effect = real(*q, 5);
      r.se = real(*q, 6);
      r.ci_low = real(*q, 7);
      r.ci_high = real(*q, 8);
      r.p_value = real(*q, 9);
      r.observations = integer(*q, 10);
      r.regime_effects_json = text(*q, 11);
      r.placebo_json = text(*q, 12);
      r.diagnostics_json = text(*q, 13);
      out.push_back(std::move(r));
    }
  }
  tx.commit();
  return out;
}

// --- SCM
// ------------------------------------------------------------------------------------------

FeatureWriteOutcome SqlStore::write_scm_model(const ScmModel& model) {
  Session& s = artefact_session();
  require_writable(s);
  validate_version_tag(model.version);
  WriteTransaction w(s, "mre:scm:" + model.version);
  if (const auto existing = find_scm_model_in(s, model.version)) {
    same_scm_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  const std::vector<Row> head = {{model.version, model.spec_name, model.spec_hash, model.spec_text,
                                  model.data_watermark, model.model_json,
                                  optional_iso_day(s, model.first), optional_iso_day(s, model.last),
                                  model.created_at}};
  s.bulk_insert("scm_models",
                {"version", "spec_name", "spec_hash", "spec", "data_watermark", "model",
                 "first_date", "last_date", "created_at"},
                {}, head);
  w.tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<ScmModel> SqlStore::list_scm_models() const {
  std::vector<ScmModel> out;
  if (schema_version() < 6) return out;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  {
    auto q = query(s, scm_select(s, false) + "ORDER BY created_at, version");
    while (q->step()) out.push_back(scm_row(s, *q, false));
  }
  tx.commit();
  return out;
}

std::optional<ScmModel> SqlStore::find_scm_model(const std::string& version) const {
  if (schema_version() < 6) return std::nullopt;
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = find_scm_model_in(s, version);
  tx.commit();
  return out;
}

FeatureWriteOutcome SqlStore::write_scenario(const ScenarioRun& run,
                                             const std::vector<ScenarioFanRow>& rows) {
  Session& s = artefact_session();
  require_writable(s);
  validate_version_tag(run.id);
  // Two runs of the same inputs: the second waits, then finds the id stored.
  WriteTransaction w(s, "mre:scenario:" + run.id);
  if (!exists(s, "scm_models", "version", run.scm_version)) {
    throw Error(ErrorCode::kNotFound,
                "no scm version '" + run.scm_version + "' (see 'mre scm list')");
  }
  if (exists(s, "scenario_runs", "id", run.id)) return FeatureWriteOutcome::kAlreadyPresent;
  const std::vector<Row> head = {{run.id, run.scm_version, run.name, run.interventions, run.shocks,
                                  run.start, std::int64_t{run.horizon}, std::int64_t{run.paths},
                                  run.seed, run.summary_json, run.created_at}};
  s.bulk_insert("scenario_runs",
                {"id", "scm_version", "name", "interventions", "shocks", "start_date", "horizon",
                 "paths", "seed", "summary", "created_at"},
                {}, head);
  std::vector<Row> body;
  body.reserve(rows.size());
  for (std::size_t position = 0; position < rows.size(); ++position) {
    const auto& r = rows[position];
    body.push_back({run.id, count_cell(position), std::int64_t{r.day}, r.node, r.scenario, r.q05,
                    r.q25, r.q50, r.q75, r.q95});
  }
  s.bulk_insert("scenarios",
                {"id", "position", "day", "node", "scenario", "q05", "q25", "q50", "q75", "q95"},
                {}, body);
  w.tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<ScenarioRun> SqlStore::list_scenarios() const {
  if (schema_version() < 6) return {};
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = scenario_runs_in(s);
  tx.commit();
  return out;
}

std::vector<ScenarioFanRow> SqlStore::read_scenario(const std::string& id) const {
  const std::string missing = "no scenario '" + id + "' (see 'mre scm scenarios')";
  if (schema_version() < 6) throw Error(ErrorCode::kNotFound, missing);
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  if (!exists(s, "scenario_runs", "id", id)) throw Error(ErrorCode::kNotFound, missing);
  std::vector<ScenarioFanRow> out;
  {
    auto q = query(s,
                   "SELECT day, node, scenario, q05, q25, q50, q75, q95 FROM " +
                       s.table("scenarios") + " WHERE id = ? ORDER BY position",
                   {id});
    while (q->step()) {
      out.push_back({static_cast<int>(integer(*q, 0)), text(*q, 1), text(*q, 2), real(*q, 3),
                     real(*q, 4), real(*q, 5), real(*q, 6), real(*q, 7)});
    }
  }
  tx.commit();
  return out;
}

}  // namespace mre::store
