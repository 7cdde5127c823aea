// The generic versioned-artefact protocol, written once for every backend over sql::Session:
// the header tables' description (and so the schema-7 DDL of both dialects), kind registration,
// the tag-binding rule (same spec hash and inputs: no-op; any difference: refused; never
// overwrite), one transaction per write, reads by version and date range.
#include "mre/store/artefact.h"

#include <algorithm>
#include <set>

#include "mre/core/error.h"
#include "mre/store/revisions.h"
#include "mre/store/schema.h"
#include "mre/store/sql/session.h"
#include "mre/store/store.h"

namespace mre::store {
namespace {

using sql::Session;

// The shared header tables, described once; their DDL is generated per dialect.
const std::vector<TableSpec>& header_tables() {
  using T = ColumnType;
  static const std::vector<TableSpec> tables = {
      {"artefact_versions",
       {{"kind", T::kText, true},
        {"version", T::kText, true},
        {"spec_name", T::kText},
        {"spec_hash", T::kText},
        {"spec", T::kText},
        {"created_at", T::kTimestamp}}},
      {"artefact_inputs",
       {{"kind", T::kText, true},
        {"version", T::kText, true},
        {"name", T::kText, true},
        {"input_version", T::kText}}},
      // Each kind's tables and columns, so that any build can read (and copy) what was stored.
      {"artefact_columns",
       {{"kind", T::kText, true},
        {"tbl", T::kText, true},
        {"tbl_position", T::kInteger},
        {"position", T::kInteger, true},
        {"name", T::kText},
        {"type", T::kText},
        {"is_key", T::kInteger}}},
  };
  return tables;
}

const char* type_word(ColumnType type) {
  switch (type) {
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kReal:
      return "real";
    case ColumnType::kText:
      return "text";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTimestamp:
      return "timestamp";
  }
  return "text";
}

ColumnType parse_type(const std::string& word, const std::string& where) {
  for (auto t : {ColumnType::kInteger, ColumnType::kReal, ColumnType::kText, ColumnType::kDate,
                 ColumnType::kTimestamp}) {
    if (word == type_word(t)) return t;
  }
  throw Error(ErrorCode::kStoreError,
              where + ": unknown column type '" + word + "' in artefact_columns");
}

bool is_identifier(const std::string& name) {
  return !name.empty() && name.size() <= 30 && name[0] >= 'a' && name[0] <= 'z' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// CREATE TABLE for `columns` (all NOT NULL unless `nullable` and not a key); the key columns
// form the primary key.
std::string create_table(const Session& s, const std::string& name,
                         const std::vector<ColumnSpec>& columns, bool nullable) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + s.table(name) + "(";
  std::string key;
  for (const auto& c : columns) {
    sql +=
        "\n  " + c.name + " " + s.type_name(c.type) + (c.key || !nullable ? " NOT NULL" : "") + ",";
    if (c.key) key += (key.empty() ? "" : ", ") + c.name;
  }
  return sql + "\n  PRIMARY KEY (" + key + ")\n);\n";
}

std::string data_table(const std::string& kind, const std::string& table) {
  return kind + "_" + table;
}

// A kind table's columns: version and position, then the declared ones. The primary key is
// (version, declared keys) or (version, position) when nothing is declared a key.
std::vector<ColumnSpec> stored_columns(const TableSpec& spec) {
  const bool keyed =
      std::any_of(spec.columns.begin(), spec.columns.end(), [](const auto& c) { return c.key; });
  std::vector<ColumnSpec> out = {{"version", ColumnType::kText, true},
                                 {"position", ColumnType::kInteger, !keyed}};
  out.insert(out.end(), spec.columns.begin(), spec.columns.end());
  return out;
}

std::string text_of(const Cell& cell) {
  return std::holds_alternative<std::string>(cell) ? std::get<std::string>(cell) : "";
}

std::optional<ArtefactKind> load_kind(Session& s, const std::string& kind) {
  if (!s.table_exists("artefact_columns")) return std::nullopt;
  auto q = s.prepare("SELECT tbl, name, type, is_key FROM " + s.table("artefact_columns") +
                     " WHERE kind = ? ORDER BY tbl_position, position");
  q->bind(0, kind);
  std::optional<ArtefactKind> out;
  while (q->step()) {
    if (!out) out = ArtefactKind{kind, {}};
    const std::string table = text_of(q->column(0, ColumnType::kText));
    if (out->tables.empty() || out->tables.back().name != table) out->tables.push_back({table, {}});
    out->tables.back().columns.push_back(
        {text_of(q->column(1, ColumnType::kText)),
         parse_type(text_of(q->column(2, ColumnType::kText)), s.describe()),
         std::get<std::int64_t>(q->column(3, ColumnType::kInteger)) != 0});
  }
  return out;
}

std::string describe_kind(const ArtefactKind& kind) {
  std::string out;
  for (const auto& t : kind.tables) {
    out += (out.empty() ? "" : "; ") + t.name + "(";
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      out += (c ? ", " : "") + t.columns[c].name + " " + type_word(t.columns[c].type) +
             (t.columns[c].key ? " key" : "");
    }
    out += ")";
  }
  return out;
}

// Creates a kind's tables on its first write; afterwards the declaration must match.
void ensure_kind(Session& s, const ArtefactKind& kind) {
  if (const auto stored = load_kind(s, kind.name)) {
    if (describe_kind(*stored) != describe_kind(kind)) {
      throw Error(ErrorCode::kInvalidArgument,
                  s.describe() + ": artefact kind '" + kind.name + "' is stored as " +
                      describe_kind(*stored) + ", not " + describe_kind(kind) +
                      "; a kind's tables never change: declare a new kind name");
    }
    return;
  }
  std::vector<Row> description;
  for (std::size_t t = 0; t < kind.tables.size(); ++t) {
    const auto& spec = kind.tables[t];
    const std::string name = data_table(kind.name, spec.name);
    if (s.table_exists(name)) {
      throw Error(ErrorCode::kInvalidArgument, s.describe() + ": table " + name +
                                                   " exists and is not artefact kind '" +
                                                   kind.name + "'s; choose another kind name");
    }
    s.execute(create_table(s, name, stored_columns(spec), true));
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
      const auto& col = spec.columns[c];
      description.push_back(
          {kind.name, spec.name, static_cast<std::int64_t>(t), static_cast<std::int64_t>(c),
           col.name, std::string(type_word(col.type)), static_cast<std::int64_t>(col.key ? 1 : 0)});
    }
  }
  s.bulk_insert("artefact_columns",
                {"kind", "tbl", "tbl_position", "position", "name", "type", "is_key"}, {},
                description);
}

std::vector<ArtefactHeader> read_headers(Session& s, const std::string& kind,
                                         const std::string* version) {
  std::vector<ArtefactHeader> out;
  if (!s.table_exists("artefact_versions")) return out;
  const std::string only = version ? " AND version = ?" : "";
  auto q = s.prepare("SELECT version, spec_name, spec_hash, spec, created_at FROM " +
                     s.table("artefact_versions") + " WHERE kind = ?" + only +
                     " ORDER BY created_at, version");
  q->bind(0, kind);
  if (version) q->bind(1, *version);
  while (q->step()) {
    ArtefactHeader h;
    h.version = text_of(q->column(0, ColumnType::kText));
    h.spec_name = text_of(q->column(1, ColumnType::kText));
    h.spec_hash = text_of(q->column(2, ColumnType::kText));
    h.spec_text = text_of(q->column(3, ColumnType::kText));
    h.created_at = std::get<Timestamp>(q->column(4, ColumnType::kTimestamp));
    out.push_back(std::move(h));
  }
  if (out.empty()) return out;
  auto in = s.prepare("SELECT version, name, input_version FROM " + s.table("artefact_inputs") +
                      " WHERE kind = ?" + only);
  in->bind(0, kind);
  if (version) in->bind(1, *version);
  while (in->step()) {
    const std::string v = text_of(in->column(0, ColumnType::kText));
    for (auto& h : out) {
      if (h.version == v)
        h.inputs[text_of(in->column(1, ColumnType::kText))] =
            text_of(in->column(2, ColumnType::kText));
    }
  }
  return out;
}

std::string format_inputs(const std::map<std::string, std::string>& inputs) {
  std::string out;
  for (const auto& [name, value] : inputs) out += (out.empty() ? "" : ", ") + name + " " + value;
  return out.empty() ? "no inputs" : out;
}

// The tag-binding rule: empty when `incoming` is the stored version again, else what differs.
std::string difference(const ArtefactHeader& stored, const ArtefactHeader& incoming) {
  if (stored.spec_hash != incoming.spec_hash) {
    return "a different spec (stored: " + stored.spec_name + " " + stored.spec_hash +
           ", given: " + incoming.spec_name + " " + incoming.spec_hash + ")";
  }
  if (stored.inputs != incoming.inputs) {
    return "different inputs (stored: " + format_inputs(stored.inputs) +
           "; given: " + format_inputs(incoming.inputs) + ")";
  }
  return "";
}

bool cell_fits(const Cell& cell, ColumnType type) {
  switch (type) {
    case ColumnType::kInteger:
      return std::holds_alternative<std::int64_t>(cell);
    case ColumnType::kReal:
      return std::holds_alternative<double>(cell);
    case ColumnType::kText:
      return std::holds_alternative<std::string>(cell);
    case ColumnType::kDate:
      return std::holds_alternative<Date>(cell);
    case ColumnType::kTimestamp:
      return std::holds_alternative<Timestamp>(cell);
  }
  return false;
}

void validate_tables(const ArtefactKind& kind, const std::vector<ArtefactTable>& tables) {
  std::set<std::string> seen;
  for (const auto& t : tables) {
    const TableSpec* spec = kind.table(t.name);
    if (!spec)
      throw Error(ErrorCode::kInvalidArgument,
                  "artefact kind '" + kind.name + "' has no table '" + t.name + "'");
    if (!seen.insert(t.name).second) {
      throw Error(ErrorCode::kInvalidArgument, "artefact table '" + t.name + "' given twice");
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      const std::string where = kind.name + "." + t.name + " row " + std::to_string(r + 1);
      if (row.size() != spec->columns.size()) {
        throw Error(ErrorCode::kInvalidArgument,
                    where + " has " + std::to_string(row.size()) + " cells; the table has " +
                        std::to_string(spec->columns.size()) + " columns");
      }
      for (std::size_t c = 0; c < row.size(); ++c) {
        const auto& col = spec->columns[c];
        if (std::holds_alternative<std::monostate>(row[c])) {
          if (col.key)
            throw Error(ErrorCode::kInvalidArgument,
                        where + ": key column '" + col.name + "' is empty");
        } else if (!cell_fits(row[c], col.type)) {
          throw Error(ErrorCode::kInvalidArgument, where + ": column '" + col.name + "' holds " +
                                                       type_word(col.type) +
                                                       " values; got another type");
        }
      }
    }
  }
}

}  // namespace

const TableSpec* ArtefactKind::table(const std::string& table_name) const {
  for (const auto& t : tables) {
    if (t.name == table_name) return &t;
  }
  return nullptr;
}

void validate_artefact_kind(const ArtefactKind& kind) {
  if (!is_identifier(kind.name)) {
    throw Error(ErrorCode::kInvalidArgument,
                "artefact kind name '" + kind.name +
                    "' must be 1-30 characters of a-z, 0-9, _ starting with a letter");
  }
  if (kind.tables.empty())
    throw Error(ErrorCode::kInvalidArgument, "artefact kind '" + kind.name + "' declares no table");
  std::set<std::string> tables;
  for (const auto& t : kind.tables) {
    if (!is_identifier(t.name) || !tables.insert(t.name).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  "artefact kind '" + kind.name + "': table name '" + t.name +
                      "' must be unique, 1-30 characters of a-z, 0-9, _");
    }
    if (t.columns.empty())
      throw Error(ErrorCode::kInvalidArgument, kind.name + "." + t.name + " declares no column");
    std::set<std::string> columns;
    for (const auto& c : t.columns) {
      if (!is_identifier(c.name) || c.name == "version" || c.name == "position" ||
          !columns.insert(c.name).second) {
        throw Error(ErrorCode::kInvalidArgument,
                    kind.name + "." + t.name + ": column name '" + c.name +
                        "' must be unique, 1-30 characters of a-z, 0-9, _, and not "
                        "'version' or 'position'");
      }
    }
  }
}

std::string sql::artefact_migration(const Session& session) {
  std::string out;
  for (const auto& t : header_tables()) out += create_table(session, t.name, t.columns, false);
  return out;
}

std::string sql::interop_views_migration(const Session& session) {
  // raw_series_latest: for each (ticker, date) the row of the newest ingest, found through the
  // primary key (ticker, dt, ingested_at). regimes_global_long: one row per (version, date,
  // label) with the label's name from regime_models.labels (comma-separated, the probability
  // order). Column names and meaning are the same in both dialects; the types are each
  // dialect's own (SQLite: ISO text dates and times; PostgreSQL: date and timestamptz).
  if (session.dialect() == Dialect::kSqlite) {
    return R"sql(
CREATE VIEW raw_series_latest AS
SELECT r.ticker, printf('%04d-%02d-%02d', r.dt / 10000, r.dt / 100 % 100, r.dt % 100) AS date, r.value,
       strftime('%Y-%m-%dT%H:%M:%f', r.ingested_at / 1000000.0, 'unixepoch') || 'Z' AS ingested_at
FROM raw_series r
WHERE r.ingested_at = (SELECT max(n.ingested_at) FROM raw_series n WHERE n.ticker = r.ticker AND n.dt = r.dt);
CREATE VIEW regimes_global_long AS
SELECT g.version, printf('%04d-%02d-%02d', g.dt / 10000, g.dt / 100 % 100, g.dt % 100) AS date,
       p.key + 1 AS position,
       json_extract(m.labels, '$[' || p.key || ']') AS label, p.value AS probability
FROM regimes_global g
JOIN (SELECT version, '["' || replace(labels, ',', '","') || '"]' AS labels FROM regime_models) m
  USING (version),
json_each(g.probabilities) p;
)sql";
  }
  return R"sql(
CREATE VIEW macro.raw_series_latest AS
SELECT DISTINCT ON (ticker, dt) ticker, dt AS date, value, ingested_at
FROM macro.raw_series
ORDER BY ticker, dt, ingested_at DESC;
CREATE VIEW macro.regimes_global_long AS
SELECT g.version, g.dt AS date, p.k::integer AS position,
       (string_to_array(m.labels, ','))[p.k] AS label, p.probability
FROM macro.regimes_global g JOIN macro.regime_models m USING (version)
CROSS JOIN LATERAL unnest(g.probabilities) WITH ORDINALITY AS p(probability, k);
)sql";
}

std::string sql::generated_migration(const Session& session, int version) {
  if (version == 7) return artefact_migration(session);
  if (version == 8) return interop_views_migration(session);
  throw Error(ErrorCode::kInternal,
              "no generated migration for schema version " + std::to_string(version));
}

ArtefactWriteOutcome Store::write_artefact(const ArtefactKind& kind, const ArtefactHeader& header,
                                           const std::vector<ArtefactTable>& tables) {
  validate_artefact_kind(kind);
  validate_version_tag(header.version);
  for (const auto& [name, value] : header.inputs) {
    if (!is_identifier(name)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "artefact input name '" + name + "' must be 1-30 characters of a-z, 0-9, _");
    }
  }
  validate_tables(kind, tables);
  Session& s = artefact_session();
  if (!s.writable())
    throw Error(ErrorCode::kStoreError, s.describe() + ": opened read-only; cannot write");
  sql::Transaction tx(s, true);
  // Writers of one kind are serialised: table creation and the tag check see every commit.
  s.lock("mre:artefact:" + kind.name);
  ensure_kind(s, kind);
  const auto stored = read_headers(s, kind.name, &header.version);
  if (!stored.empty()) {
    const std::string differs = difference(stored.front(), header);
    if (differs.empty()) return ArtefactWriteOutcome::kAlreadyPresent;
    throw Error(ErrorCode::kInvalidArgument, kind.name + " version '" + header.version +
                                                 "' already exists for " + differs +
                                                 "; versions are never overwritten: use a new tag");
  }
  const std::vector<Row> head = {{kind.name, header.version, header.spec_name, header.spec_hash,
                                  header.spec_text, header.created_at}};
  s.bulk_insert("artefact_versions",
                {"kind", "version", "spec_name", "spec_hash", "spec", "created_at"}, {}, head);
  std::vector<Row> inputs;
  for (const auto& [name, value] : header.inputs)
    inputs.push_back({kind.name, header.version, name, value});
  s.bulk_insert("artefact_inputs", {"kind", "version", "name", "input_version"}, {}, inputs);
  for (const auto& t : tables) {
    const TableSpec& spec = *kind.table(t.name);
    std::vector<std::string> names;
    std::vector<ColumnType> types;
    for (const auto& c : stored_columns(spec)) {
      names.push_back(c.name);
      types.push_back(c.type);
    }
    std::vector<Row> rows;
    rows.reserve(t.rows.size());
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      Row row;
      row.reserve(names.size());
      row.emplace_back(header.version);
      row.emplace_back(static_cast<std::int64_t>(r));
      row.insert(row.end(), t.rows[r].begin(), t.rows[r].end());
      rows.push_back(std::move(row));
    }
    s.bulk_insert(data_table(kind.name, spec.name), names, types, rows);
  }
  tx.commit();
  return ArtefactWriteOutcome::kWritten;
}

std::unique_ptr<Lease> Store::hold_lock(const std::string& name,
                                        const std::function<void()>& on_wait) {
  if (!is_identifier(name))
    throw Error(ErrorCode::kInvalidArgument, "lock name '" + name + "' must be of a-z, 0-9, _");
  return artefact_session().hold(name, on_wait);
}

std::vector<ArtefactKind> Store::list_artefact_kinds() const {
  Session& s = artefact_session();
  std::vector<ArtefactKind> out;
  if (!s.table_exists("artefact_columns")) return out;
  sql::Transaction tx(s, false);
  std::vector<std::string> names;
  auto q = s.prepare("SELECT DISTINCT kind FROM " + s.table("artefact_columns") + " ORDER BY kind");
  while (q->step()) names.push_back(text_of(q->column(0, ColumnType::kText)));
  for (const auto& name : names) out.push_back(*load_kind(s, name));
  tx.commit();
  return out;
}

std::vector<ArtefactHeader> Store::list_artefacts(const std::string& kind) const {
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = read_headers(s, kind, nullptr);
  tx.commit();
  return out;
}

std::optional<ArtefactHeader> Store::find_artefact(const std::string& kind,
                                                   const std::string& version) const {
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  auto out = read_headers(s, kind, &version);
  tx.commit();
  if (out.empty()) return std::nullopt;
  return std::move(out.front());
}

ArtefactTable Store::read_artefact_table(const std::string& kind, const std::string& version,
                                         const std::string& table,
                                         const std::optional<DateRange>& range) const {
  Session& s = artefact_session();
  sql::Transaction tx(s, false);
  const auto stored = load_kind(s, kind);
  if (!stored || read_headers(s, kind, &version).empty()) {
    throw Error(ErrorCode::kNotFound, s.describe() + ": no " + kind + " version '" + version + "'");
  }
  const TableSpec* spec = stored->table(table);
  if (!spec)
    throw Error(ErrorCode::kNotFound,
                s.describe() + ": artefact kind '" + kind + "' has no table '" + table + "'");
  std::string sql = "SELECT ";
  for (std::size_t c = 0; c < spec->columns.size(); ++c)
    sql += (c ? ", " : "") + spec->columns[c].name;
  sql += " FROM " + s.table(data_table(kind, table)) + " WHERE version = ?";
  std::vector<Cell> params = {version};
  if (range) {
    const auto it = std::find_if(spec->columns.begin(), spec->columns.end(),
                                 [&](const ColumnSpec& c) { return c.name == range->column; });
    if (it == spec->columns.end() || it->type != ColumnType::kDate) {
      throw Error(ErrorCode::kInvalidArgument,
                  kind + "." + table + " has no date column '" + range->column + "' to filter on");
    }
    if (range->from) {
      sql += " AND " + range->column + " >= ?";
      params.emplace_back(*range->from);
    }
    if (range->to) {
      sql += " AND " + range->column + " <= ?";
      params.emplace_back(*range->to);
    }
  }
  auto q = s.prepare(sql + " ORDER BY position");
  for (std::size_t i = 0; i < params.size(); ++i) q->bind(static_cast<int>(i), params[i]);
  ArtefactTable out{table, {}};
  while (q->step()) {
    Row row;
    row.reserve(spec->columns.size());
    for (std::size_t c = 0; c < spec->columns.size(); ++c)
      row.push_back(q->column(static_cast<int>(c), spec->columns[c].type));
    out.rows.push_back(std::move(row));
  }
  tx.commit();
  return out;
}

}  // namespace mre::store
