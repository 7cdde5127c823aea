// Generic versioned artefacts: the one versioning protocol every stored result can use. An
// artefact kind is a schema entry (its name and typed tables); a version is a header (tag, spec,
// named input versions) plus rows of those tables. The protocol (tag bound to spec hash and
// inputs; the same again is a no-op, anything different is refused; never overwrite; one
// transaction) is written once, in artefact.cc, over the SQL session of sql/session.h.
//
// Storage: header rows in the shared tables artefact_versions and artefact_inputs (schema 7);
// each declared table is a real SQL table `<kind>_<table>` with columns version, position (row
// order as written) and the declared columns, created on a kind's first write and described in
// artefact_columns so that any build (and `mre db copy`) can read it back. A kind's tables never
// change shape: a different declaration under a stored kind name is refused (use a new name).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mre/core/date.h"

namespace mre::store {

// Column types and their SQL forms: integer (INTEGER / bigint), real (REAL / double precision,
// NaN and infinities kept), text (TEXT / text), date (ISO TEXT / date), timestamp (INTEGER
// microseconds since the epoch / timestamptz).
enum class ColumnType { kInteger, kReal, kText, kDate, kTimestamp };

struct ColumnSpec {
  std::string name{};  // [a-z][a-z0-9_]*, not "version" or "position"
  ColumnType type = ColumnType::kText;
  bool key = false;  // key columns identify a row within a version (unique, never NULL)
};

struct TableSpec {
  std::string name{};  // [a-z][a-z0-9_]*; stored as <kind>_<name>
  std::vector<ColumnSpec> columns{};
};

// A schema entry, e.g. {"event_study", {{"estimates", {{"shock", kText, true}, ...}}}}.
struct ArtefactKind {
  std::string name{};  // [a-z][a-z0-9_]*
  std::vector<TableSpec> tables{};
  const TableSpec* table(const std::string& table_name) const;
};

// One typed cell; std::monostate is SQL NULL (allowed in any non-key column).
using Cell = std::variant<std::monostate, std::int64_t, double, std::string, Date, Timestamp>;
using Row = std::vector<Cell>;  // cells in TableSpec::columns order

struct ArtefactTable {
  std::string name{};
  std::vector<Row> rows{};  // in the order written (read back in that order)
};

// What every version carries. The tag is bound to spec_hash and inputs.
struct ArtefactHeader {
  std::string version{};  // the tag: 1-64 of [A-Za-z0-9_.-]
  std::string spec_name{};
  std::string spec_hash{};
  std::string spec_text{};  // the canonical spec, for reproduction
  std::map<std::string, std::string>
      inputs{};  // e.g. {"feature_version": "F1", "regime_version": "V1"}
  Timestamp created_at{};
};

enum class ArtefactWriteOutcome { kWritten, kAlreadyPresent };

// An inclusive range on a date column, for read_artefact_table (either end open).
struct DateRange {
  std::string column{};
  std::optional<Date> from{};
  std::optional<Date> to{};
};

// A store-wide lock held across transactions until destroyed (Store::hold_lock).
class Lease {
 public:
  virtual ~Lease() = default;
};

// Throws InvalidArgument unless the kind is well formed (names, no duplicates, types).
void validate_artefact_kind(const ArtefactKind& kind);

}  // namespace mre::store
