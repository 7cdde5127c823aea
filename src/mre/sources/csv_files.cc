// Header sniffing and strict row validation for the CSV formats mre reads.
#include "mre/sources/csv_files.h"

#include <cmath>
#include <optional>

#include "mre/core/csv.h"
#include "mre/core/error.h"

namespace mre::sources {
namespace {

bool is_date_header(const std::string& name) {
  const std::string lower = to_lower(name);
  return lower == "date" || lower == "observation_date" || lower == "timestamp" ||
         lower == "index" || lower == "dt";
}

[[noreturn]] void fail(const CsvReader& reader, std::size_t line, const std::string& what) {
  throw Error(ErrorCode::kDataError, reader.name() + ":" + std::to_string(line) + ": " + what);
}

// Reads rows of `reader`, one date column and several value columns, into present-only series.
std::vector<TimeSeries> read_columns(CsvReader& reader, std::size_t date_column,
                                     const std::vector<std::size_t>& value_columns,
                                     const std::vector<std::string>& names) {
  const std::size_t width = reader.header().size();
  const std::string& date_name = reader.header()[date_column];
  std::vector<std::vector<Date>> dates(value_columns.size());
  std::vector<std::vector<double>> values(value_columns.size());
  std::optional<Date> previous;
  std::size_t previous_line = 0;
  CsvRow row;
  while (reader.next(row)) {
    if (row.fields.size() != width) {
      fail(reader, row.line,
           "expected " + std::to_string(width) + " fields, got " +
               std::to_string(row.fields.size()));
    }
    const std::string_view date_text = row.fields[date_column];
    // Accept a timestamp whose date part is ISO ("2024-01-05 00:00:00").
    // Accept a timestamp whose date part is ISO ("2024-01-05 00:00:00"), nothing else after it
    // ("2030-01-01 garbage" is refused).
    const auto date = parse_date_field(date_text);
    if (!date) {
      fail(reader, row.line,
           "field '" + date_name + "': cannot parse date " + quote_field(date_text) +
               " (expected YYYY-MM-DD, optionally followed by a time HH:MM[:SS[.ffffff]][Z])");
    }
    if (previous) {
      if (*date == *previous) {
        fail(reader, row.line,
             "duplicate date " + date->iso() + " (also on line " + std::to_string(previous_line) +
                 ")");
      }
      if (*date < *previous) {
        fail(reader, row.line,
             "date " + date->iso() + " is before the previous row's " + previous->iso() +
                 " (dates must be ascending)");
      }
    }
    previous = date;
    previous_line = row.line;
    for (std::size_t k = 0; k < value_columns.size(); ++k) {
      const std::string_view field = row.fields[value_columns[k]];
      if (is_missing_token(field)) continue;
      const auto value = parse_double(field);
      if (!value) {
        fail(reader, row.line,
             "field '" + reader.header()[value_columns[k]] + "': " + quote_field(field) +
                 " is not a finite number");
      }
      dates[k].push_back(*date);
      values[k].push_back(*value);
    }
  }
  std::vector<TimeSeries> out;
  out.reserve(value_columns.size());
  for (std::size_t k = 0; k < value_columns.size(); ++k) {
    out.emplace_back(names[k], std::move(dates[k]), std::move(values[k]));
  }
  return out;
}

}  // namespace

TimeSeries load_series_file(const std::filesystem::path& path, const std::string& ticker,
                            const std::string& column) {
  CsvReader reader = CsvReader::open(path);
  const auto& header = reader.header();
  if (header.size() < 2 || !is_date_header(header[0])) {
    throw Error(ErrorCode::kDataError,
                reader.name() + ":1: expected a date column first and at least one value column");
  }
  if (!column.empty()) {
    const auto chosen = reader.find_column(column);
    if (!chosen)
      throw Error(ErrorCode::kDataError, reader.name() + ":1: no column '" + column + "'");
    auto series = read_columns(reader, 0, {*chosen}, {ticker});
    return std::move(series.front());
  }
  std::optional<std::size_t> value_column = reader.find_column("adjclose");
  if (!value_column) value_column = reader.find_column("adj close");
  if (!value_column) value_column = reader.find_column("adj_close");
  if (!value_column) value_column = reader.find_column("close");
  if (!value_column && header.size() == 2) value_column = 1;
  if (!value_column) {
    throw Error(ErrorCode::kDataError,
                reader.name() +
                    ":1: cannot tell which column holds the value "
                    "(no AdjClose or Close column, and more than two columns)");
  }
  auto series = read_columns(reader, 0, {*value_column}, {ticker});
  return std::move(series.front());
}

std::vector<TimeSeries> load_plain_csv(const std::filesystem::path& path) {
  CsvReader reader = CsvReader::open(path);
  const auto& header = reader.header();
  std::optional<std::size_t> date_column;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string lower = to_lower(header[i]);
    if (lower == "date" || lower == "timestamp") {
      date_column = i;
      break;
    }
  }
  if (!date_column) {
    throw Error(ErrorCode::kDataError, reader.name() + ":1: no 'date' (or 'timestamp') column");
  }
  std::vector<std::size_t> columns;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i == *date_column) continue;
    if (header[i].empty()) {
      throw Error(ErrorCode::kDataError,
                  reader.name() + ":1: column " + std::to_string(i + 1) + " has no name");
    }
    columns.push_back(i);
    names.push_back(header[i]);
  }
  if (columns.empty()) {
    throw Error(ErrorCode::kDataError, reader.name() + ":1: no value columns besides the date");
  }
  return read_columns(reader, *date_column, columns, names);
}

}  // namespace mre::sources
