// libpq wrapper: binary results decoded from network byte order, COPY text escaping, cursors,
// nested-safe transactions, and password redaction in every message.
#include "mre/store/postgres/detail/connection.h"

#include <endian.h>
#include <libpq-fe.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "mre/core/error.h"

namespace mre::store::postgres {
namespace {

// PostgreSQL's binary date and timestamp epochs are 2000-01-01, ours 1970-01-01.
constexpr std::int32_t kPostgresEpochDays = 10957;
constexpr std::int64_t kPostgresEpochMicros = 946684800000000LL;

std::int64_t load_be(const char* p, int size) {
  switch (size) {
    case 2: {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return static_cast<std::int16_t>(be16toh(v));
    }
    case 4: {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      return static_cast<std::int32_t>(be32toh(v));
    }
    default: {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      return static_cast<std::int64_t>(be64toh(v));
    }
  }
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A hint for the connection failures people meet, keyed on libpq's (English) messages.
std::string connect_hint(const std::string& message) {
  if (message.find("password authentication failed") != std::string::npos ||
      message.find("no password supplied") != std::string::npos ||
      message.find("authentication failed") != std::string::npos) {
    return "authentication failed: check the user and the password (URL, PGPASSWORD or ~/.pgpass)";
  }
  if (message.find("database") != std::string::npos &&
      message.find("does not exist") != std::string::npos) {
    return "the database does not exist: create it first (createdb, or ask its administrator)";
  }
  if (message.find("Connection refused") != std::string::npos ||
      message.find("could not connect") != std::string::npos ||
      message.find("could not translate host name") != std::string::npos ||
      message.find("timeout expired") != std::string::npos) {
    return "the server is unreachable: check host and port, and that PostgreSQL is running";
  }
  return "cannot connect";
}

void silence_notices(void*, const char*) {}

}  // namespace

std::string sql_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, ptr);
}

std::int64_t lock_key(std::string_view name) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across processes and builds
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return std::bit_cast<std::int64_t>(h);
}

// ---- Result ----------------------------------------------------------------------------

Result::~Result() { PQclear(result_); }

int Result::rows() const { return PQntuples(result_); }

bool Result::is_null(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

std::string_view Result::bytes(int row, int col, int expected_size) const {
  const int length = PQgetlength(result_, row, col);
  if (PQgetisnull(result_, row, col) || (expected_size > 0 && length != expected_size)) {
    throw Error(ErrorCode::kInternal,
                "postgresql: column " + std::string(PQfname(result_, col)) +
                    (PQgetisnull(result_, row, col) ? " is NULL" : " has an unexpected width"));
  }
  return {PQgetvalue(result_, row, col), static_cast<std::size_t>(length)};
}

std::string_view Result::text(int row, int col) const {
  if (PQgetisnull(result_, row, col)) return {};
  return {PQgetvalue(result_, row, col), static_cast<std::size_t>(PQgetlength(result_, row, col))};
}

std::int64_t Result::integer(int row, int col) const {
  const int length = PQgetlength(result_, row, col);
  const auto b = bytes(row, col, length == 2 || length == 4 ? length : 8);
  return load_be(b.data(), static_cast<int>(b.size()));
}

double Result::real(int row, int col) const {
  return std::bit_cast<double>(load_be(bytes(row, col, 8).data(), 8));
}

bool Result::boolean(int row, int col) const { return bytes(row, col, 1)[0] != 0; }

Date Result::date(int row, int col) const {
  return Date::from_days(static_cast<std::int32_t>(load_be(bytes(row, col, 4).data(), 4)) +
                         kPostgresEpochDays);
}

Timestamp Result::timestamp(int row, int col) const {
  return Timestamp::from_micros(load_be(bytes(row, col, 8).data(), 8) + kPostgresEpochMicros);
}

std::vector<double> Result::reals(int row, int col) const {
  // Binary array: ndim, has-nulls flag, element type, (size, lower bound) per dimension, then
  // (length, bytes) per element.
  const auto b = bytes(row, col, 0);
  const char* p = b.data();
  const char* end = p + b.size();
  auto next = [&](int size) {
    if (p + size > end) throw Error(ErrorCode::kInternal, "postgresql: truncated float8[] value");
    const std::int64_t v = load_be(p, size);
    p += size;
    return v;
  };
  const auto dims = next(4);
  next(4);
  next(4);
  std::vector<double> out;
  if (dims == 0) return out;
  const auto count = next(4);
  next(4);
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    const auto length = next(4);
    out.push_back(length < 0 ? std::nan("") : std::bit_cast<double>(next(8)));
  }
  return out;
}

// ---- Connection ------------------------------------------------------------------------

Connection::Connection(const std::string& url) : description_(redact_url(url)) {
  // The userinfo password as written: libpq cannot parse one with a raw '/' or '?', and its
  // message must not echo it either.
  if (const auto written = url_password(url); !written.empty()) secrets_.push_back(written);
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (!options) {
    std::string message = parse_error ? trim(parse_error) : "malformed";
    PQfreemem(parse_error);
    // libpq quotes the part it could not parse, which can be a piece of the password.
    if (!secrets_.empty())
      message = "a password holding / ? # or @ must be percent-encoded, e.g. %2F for /";
    throw Error(ErrorCode::kStoreError,
                description_ + ": not a valid PostgreSQL URL (" + scrub(message) + ")");
  }
  for (auto* option = options; option->keyword; ++option) {
    if (option->val && *option->val && std::string_view(option->keyword) == "password") {
      secrets_.emplace_back(option->val);
    }
  }
  PQconninfoFree(options);
  if (const char* env = std::getenv("PGPASSWORD"); env && *env) secrets_.emplace_back(env);

  // Defaults first, the URL last: libpq keeps the last value of a repeated key word, so the
  // URL overrides them. A dead host should fail in seconds, not after the OS's TCP timeout.
  std::vector<const char*> keys;
  std::vector<const char*> values;
  if (!std::getenv("PGCONNECT_TIMEOUT")) {
    keys.push_back("connect_timeout");
    values.push_back("10");
  }
  keys.push_back("application_name");
  values.push_back("mre");
  keys.push_back("client_encoding");
  values.push_back("UTF8");
  keys.push_back("dbname");
  values.push_back(url.c_str());
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!conn_)
    throw Error(ErrorCode::kStoreError, description_ + ": cannot connect (out of memory)");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = scrub(trim(PQerrorMessage(conn_)));
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(ErrorCode::kStoreError,
                description_ + ": " + connect_hint(message) + " (" + message + ")");
  }
  // CREATE ... IF NOT EXISTS and friends send notices; libpq would print them on stderr.
  PQsetNoticeProcessor(conn_, silence_notices, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

std::string Connection::scrub(std::string text) const {
  for (const auto& secret : secrets_) {
    if (secret.size() < 3) continue;  // shorter would blank out ordinary letters
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

void Connection::fail(std::string_view what) const { fail(what, nullptr); }

void Connection::fail(std::string_view what, pg_result* result) const {
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  message = scrub(trim(message));
  if (PQstatus(conn_) == CONNECTION_BAD) {
    message += " (connection to the server lost; the server rolls back the unfinished transaction)";
  }
  throw Error(ErrorCode::kStoreError, description_ + ": " + std::string(what) + ": " + message);
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  PGresult* result = PQexec(conn_, text.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    try {
      fail(text.substr(0, text.find_first_of("(\n")), result);
    } catch (...) {
      PQclear(result);
      throw;
    }
  }
  PQclear(result);
}

Result Connection::query(std::string_view sql, std::initializer_list<Param> params) {
  return query(sql, std::vector<Param>(params));
}

Result Connection::query(std::string_view sql, const std::vector<Param>& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  Result result(PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 1));
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(text.substr(0, text.find(' ', 30)), result.get());  // `result` frees it on the way out
  }
  return result;
}

void Connection::stream(std::string_view sql, std::initializer_list<Param> params,
                        const std::function<void(const Result&, int)>& row, int batch) {
  if (!in_transaction())
    throw Error(ErrorCode::kInternal, "postgresql: a cursor needs an open transaction");
  const std::string cursor = "mre_cursor_" + std::to_string(++cursor_serial_);
  query("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + std::string(sql), params);
  const std::string fetch = "FETCH FORWARD " + std::to_string(batch) + " FROM " + cursor;
  for (;;) {
    const Result chunk = query(fetch);
    for (int i = 0; i < chunk.rows(); ++i) row(chunk, i);
    if (chunk.rows() < batch) break;
  }
  exec("CLOSE " + cursor);
}

// ---- Transaction -----------------------------------------------------------------------

Transaction::Transaction(Connection& connection, const char* begin) : connection_(connection) {
  if (connection_.transaction_depth_ == 0) {
    connection_.exec(begin);
    outermost_ = true;
  }
  ++connection_.transaction_depth_;
}

Transaction::~Transaction() {
  if (done_) return;
  --connection_.transaction_depth_;
  if (outermost_) PQclear(PQexec(connection_.conn_, "ROLLBACK"));
}

void Transaction::commit() {
  done_ = true;
  --connection_.transaction_depth_;
  if (!outermost_) return;
  PGresult* result = PQexec(connection_.conn_, "COMMIT");
  // COMMIT of a transaction that failed earlier succeeds with the tag ROLLBACK: not a commit.
  const bool ok =
      PQresultStatus(result) == PGRES_COMMAND_OK && std::strcmp(PQcmdStatus(result), "COMMIT") == 0;
  if (!ok) {
    try {
      connection_.fail("COMMIT", result);
    } catch (...) {
      PQclear(result);
      throw;
    }
  }
  PQclear(result);
}

void Transaction::lock(std::string_view name) {
  connection_.query("SELECT pg_advisory_xact_lock($1::bigint)", {lock_key(name)});
}

// ---- CopyWriter ------------------------------------------------------------------------

CopyWriter::CopyWriter(Connection& connection, std::string_view copy_sql)
    : connection_(connection) {
  const std::string text(copy_sql);
  PGresult* result = PQexec(connection_.handle(), text.c_str());
  if (PQresultStatus(result) != PGRES_COPY_IN) {
    finished_ = true;
    try {
      connection_.fail(text.substr(0, text.find('(')), result);
    } catch (...) {
      PQclear(result);
      throw;
    }
  }
  PQclear(result);
  buffer_.reserve(1 << 20);
}

CopyWriter::~CopyWriter() {
  if (finished_) return;
  // Abandoned mid-way (an exception): abort the COPY so the transaction rolls back.
  PQputCopyEnd(connection_.handle(), "abandoned by mre");
  while (PGresult* result = PQgetResult(connection_.handle())) PQclear(result);
}

void CopyWriter::separator() {
  if (row_started_) buffer_ += '\t';
  row_started_ = true;
}

CopyWriter& CopyWriter::text(std::string_view value) {
  separator();
  for (char c : value) {
    switch (c) {
      case '\\':
        buffer_ += "\\\\";
        break;
      case '\t':
        buffer_ += "\\t";
        break;
      case '\n':
        buffer_ += "\\n";
        break;
      case '\r':
        buffer_ += "\\r";
        break;
      default:
        buffer_ += c;
    }
  }
  return *this;
}

CopyWriter& CopyWriter::raw(std::string_view value) {
  separator();
  buffer_ += value;
  return *this;
}

CopyWriter& CopyWriter::date(Date value) {
  separator();
  char iso[10];
  value.write_iso(iso);
  buffer_.append(iso, sizeof iso);
  return *this;
}

void CopyWriter::end_row() {
  buffer_ += '\n';
  row_started_ = false;
  ++rows_;
  if (buffer_.size() >= (1u << 20)) flush();
}

void CopyWriter::flush() {
  if (buffer_.empty()) return;
  if (PQputCopyData(connection_.handle(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    finished_ = true;
    connection_.fail("sending COPY data");
  }
  buffer_.clear();
}

std::size_t CopyWriter::finish() {
  flush();
  finished_ = true;
  if (PQputCopyEnd(connection_.handle(), nullptr) != 1) connection_.fail("ending COPY");
  PGresult* result = PQgetResult(connection_.handle());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  if (!ok) {
    try {
      connection_.fail("COPY", result);
    } catch (...) {
      PQclear(result);
      while (PGresult* more = PQgetResult(connection_.handle())) PQclear(more);
      throw;
    }
  }
  PQclear(result);
  while (PGresult* more = PQgetResult(connection_.handle())) PQclear(more);
  return rows_;
}

}  // namespace mre::store::postgres
