// Parsing and validation of the universe YAML (yaml-cpp stays in this file).
#include "mre/sources/universe.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>

#include "mre/core/error.h"
#include "mre/sources/live_sources.h"
#include "mre/sources/yaml_file.h"

#ifndef MRE_SOURCE_DIR
#define MRE_SOURCE_DIR "."
#endif

namespace mre::sources {
namespace {

constexpr std::pair<SeriesFrequency, std::string_view> kFrequencies[] = {
    {SeriesFrequency::kDaily, "daily"},     {SeriesFrequency::kWeekly, "weekly"},
    {SeriesFrequency::kMonthly, "monthly"}, {SeriesFrequency::kQuarterly, "quarterly"},
    {SeriesFrequency::kAnnual, "annual"},   {SeriesFrequency::kEvent, "event"},
};

std::string where(const std::filesystem::path& path, const YAML::Node& node) {
  return path.string() + ":" + std::to_string(node.Mark().line + 1);
}

}  // namespace

std::string_view frequency_name(SeriesFrequency frequency) {
  for (const auto& [value, name] : kFrequencies) {
    if (value == frequency) return name;
  }
  return "daily";
}

const SeriesSpec* Universe::find(std::string_view ticker) const {
  for (const auto& s : series) {
    if (s.ticker == ticker) return &s;
  }
  return nullptr;
}

Universe load_universe(const std::filesystem::path& path) {
  // The limits of every configuration file: size, nesting depth (yaml-cpp recurses per level),
  // a key written once per mapping (yaml-cpp would answer the first of two silently).
  const YAML::Node root = load_yaml_mapping(path, "universe file (--universe)");
  Universe universe;
  universe.path = std::filesystem::absolute(path);
  const auto base = universe.path.parent_path();
  const YAML::Node snapshot = root["snapshot_dir"];
  if (snapshot && (!snapshot.IsScalar() || snapshot.Scalar().empty())) {
    throw Error(ErrorCode::kInvalidArgument,
                where(path, snapshot) + ": 'snapshot_dir' must be a path");
  }
  universe.snapshot_dir =
      (base / (snapshot ? snapshot.Scalar() : std::string("../data/snapshot"))).lexically_normal();
  const YAML::Node list = root["series"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": missing field 'series' (a list)");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string label_base = "series[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      throw Error(ErrorCode::kInvalidArgument,
                  where(path, item) + ": " + label_base + " is not a mapping");
    }
    std::string label = label_base;
    auto field = [&](const char* key) -> std::string {
      const YAML::Node v = item[key];
      if (!v || v.IsNull() || !v.IsScalar() || v.Scalar().empty()) {
        throw Error(ErrorCode::kInvalidArgument,
                    where(path, item) + ": " + label + ": missing field '" + key + "'");
      }
      return v.Scalar();
    };
    SeriesSpec spec;
    spec.ticker = field("ticker");
    label = label_base + " (" + spec.ticker + ")";
    if (!seen.insert(spec.ticker).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  where(path, item) + ": " + label + ": duplicate ticker '" + spec.ticker + "'");
    }
    const std::string asset = field("asset_class");
    const auto asset_class = parse_asset_class(asset);
    if (!asset_class) {
      throw Error(
          ErrorCode::kInvalidArgument,
          where(path, item["asset_class"]) + ": " + label + ": unknown asset_class '" + asset +
              "' (expected EQUITY, RATES, FX, CREDIT, COMMODITY, VOLATILITY, MACRO or SHOCKS)");
    }
    spec.asset_class = *asset_class;
    spec.source = field("source");
    if (!find_live_source(spec.source) && spec.source != "csv" && spec.source != "research") {
      throw Error(ErrorCode::kInvalidArgument,
                  where(path, item["source"]) + ": " + label + ": unknown source '" + spec.source +
                      "' (expected " + live_source_names() + ", csv or research)");
    }
    spec.id = field("id");
    if (const YAML::Node c = item["country"]; c && c.IsScalar() && !c.Scalar().empty()) {
      spec.country = c.Scalar();
    } else if (spec.source == "worldbank") {
      spec.country = "US";
    }
    if (const YAML::Node c = item["column"]; c && c.IsScalar() && !c.Scalar().empty()) {
      spec.column = c.Scalar();
      if (spec.column != "open" && spec.column != "high" && spec.column != "low" &&
          spec.column != "close") {
        throw Error(ErrorCode::kInvalidArgument, where(path, c) + ": " + label +
                                                     ": unknown column '" + spec.column +
                                                     "' (expected open, high, low or close)");
      }
    }
    const std::string available = field("available");
    if (available != "true" && available != "false") {
      throw Error(ErrorCode::kInvalidArgument, where(path, item["available"]) + ": " + label +
                                                   ": 'available' must be true or false");
    }
    spec.available = available == "true";
    const std::string frequency = field("frequency");
    bool known = false;
    for (const auto& [value, name] : kFrequencies) {
      if (name == frequency) {
        spec.frequency = value;
        known = true;
      }
    }
    if (!known) {
      throw Error(ErrorCode::kInvalidArgument,
                  where(path, item["frequency"]) + ": " + label + ": unknown frequency '" +
                      frequency +
                      "' (expected daily, weekly, monthly, quarterly, annual or event)");
    }
    const std::string lag = field("publication_lag_days");
    try {
      std::size_t used = 0;
      spec.publication_lag_days = std::stoi(lag, &used);
      if (used != lag.size() || spec.publication_lag_days < 0) throw std::invalid_argument(lag);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument,
                  where(path, item["publication_lag_days"]) + ": " + label +
                      ": 'publication_lag_days' must be a whole number >= 0 (got '" + lag + "')");
    }
    if (const YAML::Node e = item["ended"]; e) {
      const auto ended = e.IsScalar() ? Date::parse(e.Scalar()) : std::nullopt;
      if (!ended) {
        throw Error(ErrorCode::kInvalidArgument,
                    where(path, e) + ": " + label + ": 'ended' must be a YYYY-MM-DD date (got '" +
                        (e.IsScalar() ? e.Scalar() : std::string("a non-scalar")) + "')");
      }
      spec.ended = ended;
    }
    if (spec.source == "research" && !spec.available) {
      throw Error(
          ErrorCode::kInvalidArgument,
          where(path, item) + ": " + label +
              ": a research series has no live source; it needs available: true and a file");
    }
    spec.unit = field("unit");
    spec.description = field("description");
    if (const YAML::Node g = item["stale_grace_days"]) {
      const std::string grace = g.IsScalar() ? g.Scalar() : std::string();
      try {
        std::size_t used = 0;
        spec.stale_grace_days = std::stoi(grace, &used);
        if (used != grace.size() || spec.stale_grace_days < 0) throw std::invalid_argument(grace);
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidArgument,
                    where(path, g) + ": " + label +
                        ": 'stale_grace_days' must be a whole number >= 0 (got '" + grace + "')");
      }
    }
    if (spec.available) {
      spec.file = (universe.snapshot_dir / field("file")).lexically_normal();
      if (!std::filesystem::exists(spec.file)) {
        throw Error(ErrorCode::kInvalidArgument, where(path, item["file"]) + ": " + label +
                                                     ": file " + spec.file.string() +
                                                     " does not exist");
      }
    }
    universe.series.push_back(std::move(spec));
  }
  return universe;
}

std::filesystem::path default_universe_path() {
  if (const char* env = std::getenv("MRE_UNIVERSE"); env && *env) return env;
  const std::filesystem::path local = "config/universe.yml";
  if (std::filesystem::exists(local)) return local;
  return std::filesystem::path(MRE_SOURCE_DIR) / "config" / "universe.yml";
}

int staleness_allowance_days(const SeriesSpec& spec) {
  int period = 1;
  switch (spec.frequency) {
    case SeriesFrequency::kDaily:
      period = 1;
      break;
    case SeriesFrequency::kWeekly:
      period = 7;
      break;
    case SeriesFrequency::kMonthly:
      period = 31;
      break;
    case SeriesFrequency::kQuarterly:
      period = 92;
      break;
    case SeriesFrequency::kAnnual:
      period = 366;
      break;
    // Announcements: scheduled FOMC meetings are at most about eight weeks apart.
    case SeriesFrequency::kEvent:
      period = 62;
      break;
  }
  return period + spec.publication_lag_days + spec.stale_grace_days;
}

bool is_stale(const SeriesSpec& spec, Date last_observation, Date as_of) {
  if (spec.ended) return false;
  return as_of.days_since_epoch() - last_observation.days_since_epoch() >
         staleness_allowance_days(spec);
}

}  // namespace mre::sources
