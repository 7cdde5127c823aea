// See research_files.h.
#include "mre/sources/research_files.h"

#include <charconv>
#include <optional>
#include <vector>

#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/sources/csv_files.h"

namespace mre::sources {
namespace {

[[noreturn]] void fail(const CsvReader& reader, std::size_t line, const std::string& what) {
  throw Error(ErrorCode::kDataError, reader.name() + ":" + std::to_string(line) + ": " + what);
}

// "2/1/1988" -> 1988-02-01.
std::optional<Date> parse_mdy(std::string_view text) {
  int parts[3] = {0, 0, 0};
  std::size_t start = 0;
  for (int k = 0; k < 3; ++k) {
    const std::size_t end = k < 2 ? text.find('/', start) : text.size();
    if (end == std::string_view::npos || end == start) return std::nullopt;
    const auto piece = text.substr(start, end - start);
    const auto [ptr, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), parts[k]);
    if (ec != std::errc() || ptr != piece.data() + piece.size()) return std::nullopt;
    start = end + 1;
  }
  if (parts[0] < 1 || parts[0] > 12 || parts[1] < 1 || parts[1] > 31 || parts[2] < 1800 ||
      parts[2] > 2200) {
    return std::nullopt;
  }
  return Date::parse(std::to_string(parts[2]) + "-" + (parts[0] < 10 ? "0" : "") +
                     std::to_string(parts[0]) + "-" + (parts[1] < 10 ? "0" : "") +
                     std::to_string(parts[1]));
}

}  // namespace

TimeSeries load_research_column(const std::filesystem::path& path, const std::string& column,
                                const std::string& ticker, int* summed_dates) {
  auto reader = CsvReader::open(path);
  const auto& header = reader.header();
  if (header.empty()) throw Error(ErrorCode::kDataError, reader.name() + ":1: empty header");
  const bool announcements = header[0] == "start";
  if (!announcements && header[0] != "Date") {
    throw Error(ErrorCode::kDataError, reader.name() +
                                           ":1: unknown research layout (first column '" +
                                           header[0] + "', expected 'start' or 'Date')");
  }
  const auto value_column = reader.find_column(column);
  if (!value_column)
    throw Error(ErrorCode::kDataError, reader.name() + ":1: no column '" + column + "'");
  std::vector<Date> dates;
  std::vector<double> values;
  int sums = 0;
  bool last_summed = false;
  CsvRow row;
  while (reader.next(row)) {
    if (row.fields.size() != header.size()) {
      fail(reader, row.line,
           "expected " + std::to_string(header.size()) + " fields, got " +
               std::to_string(row.fields.size()));
    }
    const std::string_view date_text = row.fields[0];
    const auto date =
        announcements
            ? Date::parse(date_text.substr(0, std::min<std::size_t>(date_text.size(), 10)))
            : parse_mdy(date_text);
    if (!date) {
      fail(reader, row.line,
           "field '" + header[0] + "': cannot parse date '" + std::string(date_text) +
               (announcements ? "' (expected YYYY-MM-DD HH:MM)" : "' (expected M/D/YYYY)"));
    }
    if (!dates.empty() && *date < dates.back()) {
      fail(reader, row.line,
           "date " + date->iso() + " is before the previous row's " + dates.back().iso());
    }
    const std::string_view field = row.fields[*value_column];
    if (is_missing_token(field) || field == "NaN") continue;
    const auto value = parse_double(field);
    if (!value)
      fail(reader, row.line,
           "field '" + column + "': '" + std::string(field) + "' is not a finite number");
    if (!dates.empty() && dates.back() == *date) {
      if (!announcements) fail(reader, row.line, "duplicate date " + date->iso());
      values.back() += *value;  // two announcements on one day: their surprises add up
      if (!last_summed) ++sums;
      last_summed = true;
      continue;
    }
    last_summed = false;
    dates.push_back(*date);
    values.push_back(*value);
  }
  if (summed_dates) *summed_dates = sums;
  if (dates.empty())
    throw Error(ErrorCode::kDataError, reader.name() + ": column '" + column + "' has no values");
  return TimeSeries(ticker, std::move(dates), std::move(values));
}

TimeSeries load_universe_series(const SeriesSpec& spec) {
  if (spec.source == "research") return load_research_column(spec.file, spec.id, spec.ticker);
  return load_series_file(spec.file, spec.ticker, spec.column);
}

}  // namespace mre::sources
