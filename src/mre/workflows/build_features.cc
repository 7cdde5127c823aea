// build_features: spec + store -> computed feature set -> versioned write.
#include "mre/workflows/build_features.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mre/core/error.h"
#include "mre/sources/universe.h"
#include "mre/store/revisions.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

// Rethrows an error with the spec file in front, keeping its code.
[[noreturn]] void rethrow_with(const std::filesystem::path& spec_path, const Error& e) {
  const std::string prefix = spec_path.string() + ": ";
  const std::string message = e.what();
  throw Error(e.code(), message.rfind(spec_path.string(), 0) == 0 ? message : prefix + message);
}

// A feature named like a ticker of the universe would shadow it: an input of that name reads the
// feature (ticker_inputs), so a spec meaning the series silently got another feature's values.
void check_names_are_not_tickers(const features::FeatureSetSpec& spec,
                                 const sources::Universe& universe) {
  for (const auto& f : spec.features) {
    if (universe.find(f.name)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "feature '" + f.name + "': the name is a ticker of " + universe.path.string() +
                      "; an input '" + f.name +
                      "' would read this feature instead of the series. Rename the feature");
    }
  }
}

// What a versioned feature set must not store: a column without a single value, or a log taken
// of values of 0 or below (each such date silently without a value).
void check_computed(const features::ComputedFeatureSet& computed) {
  for (std::size_t c = 0; c < computed.info.size(); ++c) {
    const auto& info = computed.info[c];
    if (info.log_of_non_positive > 0) {
      std::ostringstream value;
      value << info.first_non_positive_value;
      throw Error(ErrorCode::kDataError,
                  "feature '" + info.name + "': op '" + info.log_op +
                      "' takes logs, but its input is 0 or below on " +
                      std::to_string(info.log_of_non_positive) + " date(s) (first " +
                      info.first_non_positive->iso() + ": " + value.str() +
                      "), which would have no value; use log: false, or an input above 0");
    }
    const auto column = computed.values.column(c);
    // An op that overflows (scale by 1e308 twice, a ratio over a zero) stored inf, which no
    // reader of the version accepts (QA 2026-12-08): refused here, naming the feature and date.
    for (std::size_t t = 0; t < column.size(); ++t) {
      if (std::isinf(column[t])) {
        std::ostringstream value;
        value << column[t];
        throw Error(ErrorCode::kDataError,
                    "feature '" + info.name + "' is " + value.str() + " on " +
                        computed.values.dates()[t].iso() +
                        " (an op overflowed or divided by zero): nothing stored");
      }
    }
    if (std::none_of(column.begin(), column.end(), [](double v) { return !std::isnan(v); })) {
      const auto& dates = computed.values.dates();
      throw Error(ErrorCode::kDataError,
                  "feature '" + info.name + "' has no value on any of the " +
                      std::to_string(dates.size()) + " dates from " + dates.front().iso() + " to " +
                      dates.back().iso() +
                      " (a window, horizon or period longer than its input's data?)");
    }
  }
}

std::map<std::string, features::TickerInput> ticker_inputs_for(
    const sources::Universe& universe, const std::map<std::string, TimeSeries>& raw) {
  std::map<std::string, features::TickerInput> out;
  for (const auto& [ticker, series] : raw) {
    const auto* meta = universe.find(ticker);
    if (!meta) {
      throw Error(ErrorCode::kNotFound,
                  "unknown ticker '" + ticker + "' (not in " + universe.path.string() + ")");
    }
    out[ticker] = {series, meta->publication_lag_days, max_gap_days(meta->frequency)};
  }
  return out;
}

}  // namespace

const BusinessCalendar& settlement_calendar() {
  static const BusinessCalendar calendar = BusinessCalendar::us_settlement(1900, 2100);
  return calendar;
}

int max_gap_days(sources::SeriesFrequency frequency) {
  switch (frequency) {
    case sources::SeriesFrequency::kDaily:
      return 10;
    case sources::SeriesFrequency::kWeekly:
      return 14;
    case sources::SeriesFrequency::kMonthly:
      return 35;
    case sources::SeriesFrequency::kQuarterly:
      return 100;
    case sources::SeriesFrequency::kAnnual:
      return 370;
    case sources::SeriesFrequency::kEvent:
      return 0;  // an announcement is not carried to later dates
  }
  return 10;
}

features::ComputedFeatureSet compute_from_raw(const features::FeatureSetSpec& spec,
                                              const sources::Universe& universe,
                                              const std::map<std::string, TimeSeries>& raw,
                                              const std::set<std::string>& preferred) {
  check_names_are_not_tickers(spec, universe);
  return features::compute_feature_set(spec, ticker_inputs_for(universe, raw), preferred,
                                       settlement_calendar());
}

features::ComputedFeatureSet compute_from_raw(const features::FeatureSetSpec& spec,
                                              const std::filesystem::path& universe_path,
                                              const std::map<std::string, TimeSeries>& raw,
                                              const std::set<std::string>& preferred) {
  return compute_from_raw(spec, sources::load_universe(universe_path), raw, preferred);
}

BuildFeaturesReport build_features(store::Store& store, const BuildFeaturesOptions& options) {
  const LoadedSpec loaded = load_feature_spec(options.spec_path);
  const auto& spec = loaded.spec;
  const auto universe = sources::load_universe(options.universe_path);
  try {
    check_names_are_not_tickers(spec, universe);
    // Which tickers to read: the ticker inputs, and `prefer` tickers that have data.
    std::set<std::string> feature_names;
    for (const auto& f : spec.features) feature_names.insert(f.name);
    std::map<std::string, Timestamp> last_ingest;
    for (const auto& s : store.list_series()) last_ingest[s.ticker] = s.last_ingested_at;

    std::set<std::string> preferred;
    std::map<std::string, TimeSeries> raw;
    Timestamp watermark = Timestamp::from_micros(0);
    auto read = [&](const std::string& ticker, const std::string& feature) {
      if (!universe.find(ticker)) {
        throw Error(ErrorCode::kNotFound, "feature '" + feature + "': unknown ticker '" + ticker +
                                              "' (not in " + universe.path.string() + ")");
      }
      auto series = store.read_raw({.ticker = ticker});
      if (!series || series->empty()) return false;
      watermark = std::max(watermark, last_ingest[ticker]);
      raw[ticker] = std::move(*series);
      return true;
    };
    for (const auto& f : spec.features) {
      if (!f.prefer.empty() && read(f.prefer, f.name)) {
        preferred.insert(f.prefer);
        continue;
      }
      for (const auto& input : f.inputs) {
        if (feature_names.count(input) || raw.count(input)) continue;
        if (!read(input, f.name)) {
          throw Error(ErrorCode::kDataError, "feature '" + f.name + "': ticker '" + input +
                                                 "' has no data in " + store.describe() +
                                                 " (run 'mre ingest')");
        }
      }
    }
    store::FeatureVersion version;
    version.spec_name = spec.name;
    version.spec_hash = loaded.hash;
    version.data_watermark = watermark.iso();
    version.version =
        options.version == "auto"
            ? "F_" + spec.name + "_" + fnv1a_hex(loaded.hash + version.data_watermark).substr(0, 8)
            : options.version;
    if (const auto existing = store.find_feature_version(version.version)) {
      // Same tag: a no-op when it holds this spec and data, refused otherwise. Checked again
      // inside the store's write transaction against a concurrent build.
      version.spec_hash = loaded.hash;
      store::same_feature_version(*existing, version);
      return {.version = version.version,
              .written = false,
              .spec_hash = loaded.hash,
              .data_watermark = version.data_watermark,
              .features = existing->columns.size()};
    }
    const auto computed = features::compute_feature_set(spec, ticker_inputs_for(universe, raw),
                                                        preferred, settlement_calendar());
    check_computed(computed);
    version.frequency = frequency_label(spec.frequency);
    version.spec_text = loaded.canonical_text;
    version.created_at = Timestamp::now();
    BuildFeaturesReport report;
    for (std::size_t c = 0; c < computed.info.size(); ++c) {
      const auto& info = computed.info[c];
      version.columns.push_back({info.name, spec.features[c].description, info.proxy,
                                 info.uses_future_data, info.forward_looking});
      if (!info.proxy.empty()) report.proxies.push_back(info.name + ": " + info.proxy);
      for (double v : computed.values.column(c)) report.values += std::isnan(v) ? 0 : 1;
    }
    report.version = version.version;
    report.spec_hash = version.spec_hash;
    report.data_watermark = version.data_watermark;
    report.features = computed.info.size();
    report.written =
        store.write_features(version, computed.values) == store::FeatureWriteOutcome::kWritten;
    if (!report.written) report.values = 0;
    return report;
  } catch (const Error& e) {
    rethrow_with(options.spec_path, e);
  }
}

}  // namespace mre::workflows
