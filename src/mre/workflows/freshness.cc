// See freshness.h.
#include "mre/workflows/freshness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>

#include "mre/core/asset_class.h"
#include "mre/core/error.h"
#include "mre/regimes/hierarchical/profiles.h"
#include "mre/sources/universe.h"

namespace mre::workflows {
namespace {

// feature -> (inputs, prefer, proxy) from a feature version's canonical spec text (one line per
// feature: "feature=NAME|inputs=A,B|ops=...|proxy=...|prefer=T"; see canonical_spec_text).
struct SpecFeature {
  std::vector<std::string> inputs;
  std::string prefer;
};
std::map<std::string, SpecFeature> spec_features(const std::string& canonical) {
  std::map<std::string, SpecFeature> out;
  std::istringstream lines(canonical);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("feature=", 0) != 0) continue;
    std::string name;
    SpecFeature f;
    std::size_t at = 0;
    while (at <= line.size()) {
      const std::size_t bar = std::min(line.find('|', at), line.size());
      const std::string part = line.substr(at, bar - at);
      const auto eq = part.find('=');
      if (eq != std::string::npos) {
        const std::string key = part.substr(0, eq);
        const std::string value = part.substr(eq + 1);
        if (key == "feature") name = value;
        if (key == "prefer") f.prefer = value;
        if (key == "inputs") {
          std::size_t i = 0;
          while (i <= value.size()) {
            const std::size_t comma = std::min(value.find(',', i), value.size());
            if (comma > i) f.inputs.push_back(value.substr(i, comma - i));
            i = comma + 1;
          }
        }
      }
      at = bar + 1;
    }
    if (!name.empty()) out[name] = std::move(f);
  }
  return out;
}

// Each MR-DS-01 indicator's input series and proxy mark, from the feature version classifier
// `record` was trained on (none for a CSV-trained classifier: every input list empty).
struct IndicatorInputs {
  std::vector<std::string> inputs;
  bool proxy = false;
  bool known = false;  // the feature version holds the indicator
};
std::vector<IndicatorInputs> indicator_inputs(const store::Store& store,
                                              const store::ClassifierModel& record) {
  std::map<std::string, SpecFeature> features;
  std::map<std::string, std::string> proxies;
  if (const auto fv = store.find_feature_version(record.source)) {
    features = spec_features(fv->spec_text);
    for (const auto& c : fv->columns) proxies[c.name] = c.proxy;
  }
  const auto& names = regimes::hierarchical::mr_ds_01_indicators();
  std::vector<IndicatorInputs> out(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto it = features.find(names[i]);
    if (it == features.end()) continue;
    const bool proxy = proxies.count(names[i]) && !proxies[names[i]].empty();
    out[i].known = true;
    out[i].proxy = proxy;
    // Without the proxy mark the preferred true series was read (feature_set.h's `prefer`).
    out[i].inputs = !proxy && !it->second.prefer.empty()
                        ? std::vector<std::string>{it->second.prefer}
                        : it->second.inputs;
  }
  return out;
}

}  // namespace

IndicatorAgeSource load_indicator_age_source(const store::Store& store, const std::string& version,
                                             const std::filesystem::path& universe_path) {
  const auto record = store.find_classifier(version);
  if (!record) throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "'");
  const auto universe = sources::load_universe(universe_path);
  IndicatorAgeSource out;
  for (auto& ind : indicator_inputs(store, *record)) {
    for (const auto& ticker : ind.inputs) {
      if (out.observed.count(ticker)) continue;
      if (const auto* spec = universe.find(ticker)) out.rules[ticker] = *spec;
      auto& dates = out.observed[ticker];
      if (const auto series = store.read_raw({.ticker = ticker})) dates = series->dates();
    }
    out.inputs.push_back(std::move(ind.inputs));
  }
  return out;
}

std::vector<regimes::hierarchical::IndicatorCoverage> indicator_ages(
    const IndicatorAgeSource& source, Date day, const double* values) {
  const std::size_t n = regimes::hierarchical::mr_ds_01_indicators().size();
  std::vector<regimes::hierarchical::IndicatorCoverage> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& ind = out[i];
    ind.used = values != nullptr && !std::isnan(values[i]);
    if (i >= source.inputs.size() || source.inputs[i].empty()) continue;
    std::optional<Date> last;
    bool known = true;
    for (const auto& ticker : source.inputs[i]) {
      const auto rule = source.rules.find(ticker);
      const sources::SeriesSpec* spec = rule == source.rules.end() ? nullptr : &rule->second;
      // The newest observation published by `day`: dated on or before day - lag.
      const Date newest_known = day - (spec ? spec->publication_lag_days : 0);
      static const std::vector<Date> kNone;
      const auto dates = source.observed.find(ticker);
      const auto& observed = dates == source.observed.end() ? kNone : dates->second;
      const auto after = std::upper_bound(observed.begin(), observed.end(), newest_known);
      if (after == observed.begin()) {
        known = false;
        ind.stale = true;  // an input with no data by then
        continue;
      }
      const Date input_last = *std::prev(after);
      if (!last || input_last < *last) last = input_last;
      if (spec && sources::is_stale(*spec, input_last, day)) ind.stale = true;
    }
    if (known && last) ind.age_days = day.days_since_epoch() - last->days_since_epoch();
  }
  return out;
}

Date today_utc() { return Timestamp::now().date(); }

Date parse_as_of_day(const std::string& text, const std::string& what) {
  const auto d = Date::parse(text);
  if (!d)
    throw Error(ErrorCode::kInvalidArgument,
                what + ": expected a date YYYY-MM-DD (got '" + text + "')");
  return *d;
}

std::vector<SeriesFreshness> series_freshness(const store::Store& store,
                                              const std::filesystem::path& universe_path,
                                              Date as_of) {
  const auto universe = sources::load_universe(universe_path);
  std::vector<SeriesFreshness> out;
  for (const auto& s : store.list_series()) {
    SeriesFreshness f;
    f.ticker = s.ticker;
    f.asset_class = std::string(asset_class_name(s.asset_class));
    f.last = s.last;
    f.age_days = as_of.days_since_epoch() - s.last.days_since_epoch();
    if (const auto* spec = universe.find(s.ticker)) {
      f.in_universe = true;
      f.frequency = std::string(sources::frequency_name(spec->frequency));
      f.allowance_days = sources::staleness_allowance_days(*spec);
      f.ended = spec->ended;
      f.stale = sources::is_stale(*spec, s.last, as_of);
    }
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.ticker < b.ticker; });
  return out;
}

ClassificationFreshness classification_freshness(
    const store::Store& store, const std::string& version, const std::string& data_timestamp,
    const std::vector<double>& values, const std::vector<store::SeriesSummary>& series,
    const std::filesystem::path& universe_path, Date as_of) {
  const auto universe = sources::load_universe(universe_path);
  ClassificationFreshness out;
  out.as_of = as_of;
  out.data_timestamp = data_timestamp;
  if (const auto d = Date::parse(std::string_view(data_timestamp).substr(0, 10))) {
    out.data_age_days = as_of.days_since_epoch() - d->days_since_epoch();
  }
  const auto record = store.find_classifier(version);
  if (!record) throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "'");
  // The feature version it was trained on (a CSV-trained classifier has none: inputs unknown).
  const auto inputs = indicator_inputs(store, *record);
  std::map<std::string, Date> last_of;
  for (const auto& s : series) last_of[s.ticker] = s.last;

  const auto& names = regimes::hierarchical::mr_ds_01_indicators();
  for (std::size_t i = 0; i < names.size(); ++i) {
    IndicatorFreshness ind;
    ind.name = names[i];
    ind.used = i < values.size() && !std::isnan(values[i]);
    if (inputs[i].known) {
      ind.proxy = inputs[i].proxy;
      ind.inputs = inputs[i].inputs;
      bool known = !ind.inputs.empty();
      for (const auto& ticker : ind.inputs) {
        const auto l = last_of.find(ticker);
        if (l == last_of.end()) {
          known = false;
          ind.stale = true;  // an input with no data at all
          continue;
        }
        if (!ind.last || l->second < *ind.last) ind.last = l->second;
        if (const auto* spec = universe.find(ticker);
            spec && sources::is_stale(*spec, l->second, as_of))
          ind.stale = true;
      }
      if (known && ind.last) ind.age_days = as_of.days_since_epoch() - ind.last->days_since_epoch();
    }
    out.used += ind.used ? 1 : 0;
    out.stale += ind.stale ? 1 : 0;
    out.indicators.push_back(std::move(ind));
  }
  const auto approvals = store.list_approvals(version);
  out.approved = true;
  for (const char* model : {"global_macro", "muni"}) {
    SignOff s{.model = model};
    for (const auto& a : approvals) {
      if (a.model != model && a.model != "all") continue;
      s.approved = true;
      s.approved_by = a.approved_by;
      s.approved_at = a.approved_at.iso();
    }
    out.approved = out.approved && s.approved;
    out.sign_offs.push_back(std::move(s));
  }
  return out;
}

}  // namespace mre::workflows
