// The libpq layer under PostgresStore: one connection, parameterised statements with binary
// results, COPY FROM STDIN, cursor-streamed reads, transactions and advisory locks. Every
// message it produces carries the redacted URL and has the password scrubbed out.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/redact.h"

struct pg_conn;
struct pg_result;

namespace mre::store::postgres {

// redact_url: mre::redact_url (core/redact.h), the one redaction.
using mre::redact_url;
// Decimal text PostgreSQL parses back to exactly `value` (NaN and infinities by name).
std::string sql_double(double value);
// A 64-bit key for pg_advisory_xact_lock, derived from a name ("mre:features:F1").
std::int64_t lock_key(std::string_view name);

// One statement parameter, sent as text for the server to parse into the column's type.
class Param {
 public:
  Param(std::string_view text) : value_(std::string(text)) {}
  Param(const std::string& text) : value_(text) {}
  Param(const char* text) : value_(std::string(text)) {}
  Param(std::int64_t value) : value_(std::to_string(value)) {}
  Param(int value) : value_(std::to_string(value)) {}
  Param(std::size_t value) : value_(std::to_string(value)) {}
  Param(double value) : value_(sql_double(value)) {}
  Param(bool value) : value_(value ? "true" : "false") {}
  Param(Date value) : value_(value.iso()) {}
  Param(Timestamp value) : value_(value.iso()) {}
  Param(std::optional<Date> value) : value_(value ? std::optional(value->iso()) : std::nullopt) {}
  const char* c_str() const { return value_ ? value_->c_str() : nullptr; }

 private:
  std::optional<std::string> value_;  // nullopt is SQL NULL
};

// A query result in binary format; accessors check the column's width and decode network
// byte order. Movable, not copyable.
class Result {
 public:
  explicit Result(pg_result* result) : result_(result) {}
  ~Result();
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int rows() const;
  bool is_null(int row, int col) const;
  std::string_view text(int row, int col) const;
  std::int64_t integer(int row, int col) const;  // int2, int4 or int8
  double real(int row, int col) const;           // float8
  bool boolean(int row, int col) const;
  Date date(int row, int col) const;
  Timestamp timestamp(int row, int col) const;        // timestamptz
  std::vector<double> reals(int row, int col) const;  // float8[]
  std::optional<Date> optional_date(int row, int col) const {
    return is_null(row, col) ? std::nullopt : std::optional(date(row, col));
  }
  pg_result* get() const { return result_; }

 private:
  std::string_view bytes(int row, int col, int expected_size) const;
  pg_result* result_;
};

class Connection {
 public:
  // Connects to a postgresql:// URL. Credentials come from the URL, PGPASSWORD or ~/.pgpass
  // (libpq's own lookup). Throws StoreError naming the redacted URL with a hint for the usual
  // causes: unreachable server, failed authentication, missing database.
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& description() const { return description_; }

  // A statement without parameters (DDL, SET, transaction control).
  void exec(std::string_view sql);
  // A parameterised statement; rows in binary format.
  Result query(std::string_view sql, std::initializer_list<Param> params = {});
  Result query(std::string_view sql, const std::vector<Param>& params);
  // Streams the rows of a query through a cursor, `batch` rows per fetch, inside the open
  // transaction (REQUIRES: in_transaction()). `row` gets each fetched result and row index.
  void stream(std::string_view sql, std::initializer_list<Param> params,
              const std::function<void(const Result&, int)>& row, int batch = 20000);

  // Throws StoreError: describe + what + the server's message (scrubbed).
  [[noreturn]] void fail(std::string_view what) const;
  [[noreturn]] void fail(std::string_view what, pg_result* result) const;
  // Removes the password from any text that might echo it.
  std::string scrub(std::string text) const;

  bool in_transaction() const { return transaction_depth_ > 0; }

  pg_conn* handle() const { return conn_; }

 private:
  friend class Transaction;
  pg_conn* conn_ = nullptr;
  std::string description_;
  std::vector<std::string> secrets_;
  int transaction_depth_ = 0;
  int cursor_serial_ = 0;
};

// BEGIN ... COMMIT; rolls back unless committed, so a failure anywhere leaves the database as it
// was. Nested inside an open transaction it joins it (the outer one commits).
class Transaction {
 public:
  // `begin` is the opening statement, e.g. "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".
  explicit Transaction(Connection& connection, const char* begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  // Waits for the transaction-level advisory lock `name` (released at commit or rollback).
  void lock(std::string_view name);

 private:
  Connection& connection_;
  bool outermost_ = false;
  bool done_ = false;
};

// COPY ... FROM STDIN in text format: fields are escaped here (backslash, tab, newline, CR), so
// any byte sequence round-trips as data; rows are sent in chunks of about 1 MiB.
class CopyWriter {
 public:
  // REQUIRES: `copy_sql` is a COPY ... FROM STDIN statement and a transaction is open.
  CopyWriter(Connection& connection, std::string_view copy_sql);
  ~CopyWriter();
  CopyWriter(const CopyWriter&) = delete;
  CopyWriter& operator=(const CopyWriter&) = delete;

  CopyWriter& text(std::string_view value);
  CopyWriter& raw(std::string_view value);  // already safe: numbers, ISO dates
  CopyWriter& real(double value) { return raw(sql_double(value)); }
  CopyWriter& integer(std::int64_t value) { return raw(std::to_string(value)); }
  CopyWriter& date(Date value);
  CopyWriter& timestamp(Timestamp value) { return raw(value.iso()); }
  CopyWriter& null() { return raw("\\N"); }
  void end_row();
  // Sends what is buffered (used before the crash-test hook so the server holds half a write).
  void flush();
  // Ends the COPY; throws StoreError if the server refused any row. Returns rows sent.
  std::size_t finish();

 private:
  void separator();
  Connection& connection_;
  std::string buffer_;
  bool row_started_ = false;
  bool finished_ = false;
  std::size_t rows_ = 0;
};

}  // namespace mre::store::postgres
