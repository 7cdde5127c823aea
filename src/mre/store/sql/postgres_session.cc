// The SQL session over libpq (postgres::Connection): tables in schema `macro`, `?` placeholders
// numbered $1.. here, bulk rows through COPY FROM STDIN, advisory locks per name.
#include <optional>

#include "mre/core/error.h"
#include "mre/store/postgres/detail/connection.h"
#include "mre/store/sql/session.h"

namespace mre::store::sql {
namespace {

using postgres::Param;

Param to_param(const Cell& value) {
  if (const auto* v = std::get_if<std::int64_t>(&value)) return Param(*v);
  if (const auto* r = std::get_if<double>(&value)) return Param(*r);
  if (const auto* s = std::get_if<std::string>(&value)) return Param(*s);
  if (const auto* d = std::get_if<Date>(&value)) return Param(*d);
  if (const auto* t = std::get_if<Timestamp>(&value)) return Param(*t);
  return Param(std::optional<Date>());  // NULL
}

// `?` -> `$n` (the protocol's SQL holds no quoted question marks).
std::string number_placeholders(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresStatement final : public Statement {
 public:
  PostgresStatement(postgres::Connection& db, std::string sql) : db_(db), sql_(std::move(sql)) {}
  void bind(int index, const Cell& value) override {
    result_.reset();
    if (params_.size() <= static_cast<std::size_t>(index))
      params_.resize(index + 1, Param(std::optional<Date>()));
    params_[index] = to_param(value);
  }
  bool step() override {
    if (!result_) {
      result_.emplace(db_.query(sql_, params_));
      row_ = -1;
    }
    if (++row_ < result_->rows()) return true;
    result_.reset();
    return false;
  }
  Cell column(int index, ColumnType type) const override {
    if (result_->is_null(row_, index)) return std::monostate{};
    switch (type) {
      case ColumnType::kInteger:
        return result_->integer(row_, index);
      case ColumnType::kReal:
        return result_->real(row_, index);
      case ColumnType::kText:
        return std::string(result_->text(row_, index));
      case ColumnType::kDate:
        return result_->date(row_, index);
      case ColumnType::kTimestamp:
        return result_->timestamp(row_, index);
    }
    return std::monostate{};
  }

 private:
  postgres::Connection& db_;
  std::string sql_;
  std::vector<Param> params_;
  std::optional<postgres::Result> result_;
  int row_ = -1;
};

// A session-level advisory lock, released when the lease is destroyed (or the connection ends).
class AdvisoryLease final : public Lease {
 public:
  AdvisoryLease(postgres::Connection& db, std::int64_t key, const std::function<void()>& on_wait)
      : db_(db), key_(key) {
    if (db_.query("SELECT pg_try_advisory_lock($1)", {key_}).boolean(0, 0)) return;
    if (on_wait) on_wait();
    db_.query("SELECT pg_advisory_lock($1)", {key_});
  }
  ~AdvisoryLease() override {
    try {
      db_.query("SELECT pg_advisory_unlock($1)", {key_});
    } catch (...) {
      // The connection is gone, and with it the lock.
    }
  }

 private:
  postgres::Connection& db_;
  std::int64_t key_;
};

class PostgresSession final : public Session {
 public:
  PostgresSession(postgres::Connection& db, bool writable) : db_(db), writable_(writable) {}
  std::string describe() const override { return db_.description(); }
  bool writable() const override { return writable_; }
  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string type_name(ColumnType type) const override {
    switch (type) {
      case ColumnType::kInteger:
        return "bigint";
      case ColumnType::kReal:
        return "double precision";
      case ColumnType::kText:
        return "text";
      case ColumnType::kDate:
        return "date";
      case ColumnType::kTimestamp:
        return "timestamptz";
    }
    return "text";
  }
  std::string table(std::string_view name) const override { return "macro." + std::string(name); }
  bool table_exists(std::string_view name) override {
    return db_.query("SELECT to_regclass($1) IS NOT NULL", {table(name)}).boolean(0, 0);
  }
  void execute(const std::string& sql) override { db_.exec(sql); }
  std::unique_ptr<Statement> prepare(const std::string& sql) override {
    return std::make_unique<PostgresStatement>(db_, number_placeholders(sql));
  }
  void bulk_insert(std::string_view table_name, const std::vector<std::string>& columns,
                   const std::vector<ColumnType>& /*types*/, std::span<const Row> rows) override {
    std::string sql = "COPY " + table(table_name) + "(";
    for (std::size_t c = 0; c < columns.size(); ++c) sql += (c ? ", " : "") + columns[c];
    postgres::CopyWriter copy(db_, sql + ") FROM STDIN");
    for (const auto& row : rows) {
      for (const auto& cell : row) {
        if (const auto* v = std::get_if<std::int64_t>(&cell)) {
          copy.integer(*v);
        } else if (const auto* r = std::get_if<double>(&cell)) {
          copy.real(*r);
        } else if (const auto* s = std::get_if<std::string>(&cell)) {
          copy.text(*s);
        } else if (const auto* d = std::get_if<Date>(&cell)) {
          copy.date(*d);
        } else if (const auto* t = std::get_if<Timestamp>(&cell)) {
          copy.timestamp(*t);
        } else {
          copy.null();
        }
      }
      copy.end_row();
    }
    copy.finish();
  }
  void begin(bool write) override {
    tx_.emplace(db_, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  void commit() override {
    tx_->commit();
    tx_.reset();
  }
  void rollback() noexcept override { tx_.reset(); }
  void lock(std::string_view name) override { tx_->lock(name); }
  std::unique_ptr<Lease> hold(std::string_view name,
                              const std::function<void()>& on_wait) override {
    return std::make_unique<AdvisoryLease>(
        db_, postgres::lock_key("mre:lease:" + std::string(name)), on_wait);
  }

 private:
  postgres::Connection& db_;
  bool writable_;
  std::optional<postgres::Transaction> tx_;
};

}  // namespace

std::unique_ptr<Session> postgres_session(postgres::Connection& connection, bool writable) {
  return std::make_unique<PostgresSession>(connection, writable);
}

}  // namespace mre::store::sql
