// A fast CSV reader: RFC 4180 quoting ("a ""b"""), LF or CRLF line ends, a UTF-8 BOM, blank
// lines skipped; fields are string_views into the loaded text (no per-field allocation).
// Numbers are parsed with std::from_chars (libstdc++ 12 implements it with the Eisel-Lemire
// fast path), strictly: no trailing garbage, no "inf".
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mre/core/date.h"

namespace mre {

struct CsvRow {
  std::size_t line = 0;                  // 1-based line number where the row starts
  std::vector<std::string_view> fields;  // valid until the next call to next()
  std::string_view text;                 // the record as in the file, without its line end
};

class CsvReader {
 public:
  // Loads the whole file. Throws IoError naming the path when it cannot be read, InvalidArgument
  // when it is a directory, DataError when it is empty (no header line).
  static CsvReader open(const std::filesystem::path& path);
  // For tests and in-memory data; `name` is used in messages.
  static CsvReader from_text(std::string text, std::string name);
  // Reads the file in chunks of about `chunk` bytes as rows are consumed, so memory stays flat
  // however long the file (historical classification). Same rows, fields and errors as open().
  static CsvReader stream(const std::filesystem::path& path,
                          std::size_t chunk = std::size_t{1} << 20);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& header() const { return header_; }
  // Index of a header column, case-insensitive; nullopt when absent. DataError "<name>:1: column
  // 'X' appears twice" when two columns carry the name: which one was meant cannot be known (QA
  // 2026-12-07: classify historical read the first of two vix_index columns, 56 of 126 labels
  // changed).
  std::optional<std::size_t> find_column(std::string_view column) const;

  // The next data row, or nullopt at the end. Throws DataError "FILE:LINE: ..." for an
  // unterminated quoted field or text between a closing quote and the next delimiter
  // ("1.0"junk).
  std::optional<CsvRow> next();
  // Reusing the row's buffers: returns false at the end.
  bool next(CsvRow& row);

 private:
  CsvReader(std::string text, std::string name, std::shared_ptr<std::istream> input = nullptr,
            std::size_t chunk = 0);
  enum class Parse { kRecord, kEnd, kIncomplete };
  bool read_record(CsvRow& row);
  Parse parse_record(CsvRow& row);  // kIncomplete: the loaded text ends inside the record
  bool refill();                    // drops consumed text, appends the next chunk; false at EOF

  std::string text_;
  std::string name_;
  std::vector<std::string> header_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::deque<std::string> unescaped_;    // storage for quoted fields that had "" escapes
  std::shared_ptr<std::istream> input_;  // stream mode: where more text comes from
  std::size_t chunk_ = 0;
};

// Tokens that mean "no value" in the files mre reads: empty, ".", "NA", "N/A", "#N/A", "NaN",
// "nan", "null" (after trimming spaces).
bool is_missing_token(std::string_view field);
// Strict decimal parse of a finite double (leading '+' and surrounding spaces allowed).
std::optional<double> parse_double(std::string_view field);
// A date field: "YYYY-MM-DD", or an ISO timestamp "YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z]" whose
// date part is taken; nullopt for anything else ("2030-01-01 garbage", year 0000).
std::optional<Date> parse_date_field(std::string_view field);

// A field for an error message, in single quotes; longer than 80 bytes it is cut there and
// "... (N bytes)" says how long it was, so a 50 MB bad field is not echoed in full.
std::string quote_field(std::string_view field, std::size_t max_bytes = 80);
// Lower-cases ASCII.
std::string to_lower(std::string_view text);

}  // namespace mre
