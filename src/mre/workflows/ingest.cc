// Ingest: parse every requested file first (so a bad file writes nothing), then one store write.
#include "mre/workflows/ingest.h"

#include <set>

#include "mre/core/date.h"
#include "mre/core/error.h"
#include "mre/sources/csv_files.h"
#include "mre/sources/live.h"
#include "mre/sources/research_files.h"
#include "mre/sources/universe.h"

namespace mre::workflows {
namespace {

const sources::SeriesSpec& require_ticker(const sources::Universe& universe,
                                          const std::string& ticker, const std::string& context) {
  const auto* spec = universe.find(ticker);
  if (!spec) {
    throw Error(ErrorCode::kNotFound, context + "unknown ticker '" + ticker + "' (not in " +
                                          universe.path.string() +
                                          "; add it there with its asset class)");
  }
  return *spec;
}

}  // namespace

IngestReport ingest(store::Store& store, const IngestOptions& options, const Progress& progress) {
  const sources::Universe universe = sources::load_universe(options.universe_path);
  std::vector<store::SeriesWrite> batch;
  IngestReport report;
  if (options.source == IngestSource::kSnapshot) {
    std::vector<const sources::SeriesSpec*> specs;
    if (options.tickers.empty()) {
      for (const auto& spec : universe.series) {
        if (spec.available) specs.push_back(&spec);
      }
    } else {
      std::set<std::string> seen;
      for (const auto& ticker : options.tickers) {
        if (!seen.insert(ticker).second) continue;
        const auto& spec = require_ticker(universe, ticker, "--tickers: ");
        if (!spec.available) {
          throw Error(ErrorCode::kNotFound, "--tickers: '" + ticker +
                                                "' is not in the bundled snapshot (live source " +
                                                spec.source + " id " + spec.id + ")");
        }
        specs.push_back(&spec);
      }
    }
    for (const auto* spec : specs) {
      TimeSeries data = sources::load_universe_series(*spec);
      const auto relative = spec->file.lexically_relative(universe.snapshot_dir).generic_string();
      if (progress) {
        progress("read " + relative + ": " + std::to_string(data.size()) + " observations");
      }
      ++report.files;
      report.observations_read += data.size();
      batch.push_back({spec->ticker, spec->asset_class, "snapshot:" + relative, std::move(data)});
    }
  } else {
    if (options.csv_path.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "--path: required with --source csv");
    }
    std::vector<TimeSeries> columns = sources::load_plain_csv(options.csv_path);
    const std::set<std::string> wanted(options.tickers.begin(), options.tickers.end());
    std::set<std::string> found;
    const std::string context = options.csv_path.string() + ":1: column: ";
    for (auto& column : columns) {
      if (!wanted.empty() && !wanted.count(column.name())) continue;
      const auto& spec = require_ticker(universe, column.name(), context);
      if (!found.insert(column.name()).second) {
        throw Error(ErrorCode::kDataError,
                    options.csv_path.string() + ":1: column '" + column.name() + "' appears twice");
      }
      // The live sources' plausible range (sources/live.h): a date before 1800 or more than a
      // week after today cannot have been observed, and a future date would stay in the store.
      const Date earliest = Date::from_ymd(1800, 1, 1);
      const Date latest = Timestamp::now().date() + sources::kMaxDaysInFuture;
      for (const Date day : column.dates()) {
        if (day < earliest || day > latest) {
          throw Error(ErrorCode::kDataError,
                      options.csv_path.string() + ": column '" + column.name() + "': the date " +
                          day.iso() + " is outside the plausible range 1800-01-01 .. " +
                          latest.iso() + " (today + " + std::to_string(sources::kMaxDaysInFuture) +
                          " days); nothing was stored");
        }
      }
      report.observations_read += column.size();
      const std::string ticker = column.name();
      batch.push_back({ticker, spec.asset_class, "csv:" + options.csv_path.filename().string(),
                       std::move(column)});
    }
    for (const auto& ticker : wanted) {
      if (!found.count(ticker)) {
        throw Error(ErrorCode::kNotFound,
                    "--tickers: '" + ticker + "' is not a column of " + options.csv_path.string());
      }
    }
    report.files = 1;
    if (progress) {
      progress("read " + options.csv_path.string() + ": " + std::to_string(batch.size()) +
               " series, " + std::to_string(report.observations_read) + " observations");
    }
  }
  report.write = store.write_raw(batch, Timestamp::now());
  return report;
}

}  // namespace mre::workflows
