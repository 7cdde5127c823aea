// The build-features use case: a spec file + the raw series in the store -> a feature version
// (long-form rows in `features`), bound to the spec's hash and the data watermark it read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mre/core/calendar.h"
#include "mre/features/feature_set.h"
#include "mre/sources/universe.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct BuildFeaturesOptions {
  std::filesystem::path spec_path{};
  std::string version{};  // the tag; "auto" derives F_<name>_<hash of spec and data>
  std::filesystem::path universe_path{};
};

struct BuildFeaturesReport {
  std::string version{};
  bool written = false;  // false: the same tag already held this spec and data
  std::string spec_hash{};
  std::string data_watermark{};
  std::size_t features = 0;
  std::size_t values = 0;              // present values written
  std::vector<std::string> proxies{};  // "name: what it stands in for"
};

// Reads every ticker input of the spec from the store (current values), aligns and computes
// the set, writes it. Errors name the spec file: unknown ticker (NotFound), a ticker with no
// data (DataError), spec problems (InvalidArgument), a tag bound to other work (InvalidArgument).
// Nothing is written unless everything succeeded.
BuildFeaturesReport build_features(store::Store& store, const BuildFeaturesOptions& options);

// Computes the set on data the caller provides (no store): used by tests and benchmarks.
features::ComputedFeatureSet compute_from_raw(const features::FeatureSetSpec& spec,
                                              const sources::Universe& universe,
                                              const std::map<std::string, TimeSeries>& raw,
                                              const std::set<std::string>& preferred = {});
features::ComputedFeatureSet compute_from_raw(const features::FeatureSetSpec& spec,
                                              const std::filesystem::path& universe_path,
                                              const std::map<std::string, TimeSeries>& raw,
                                              const std::set<std::string>& preferred = {});

// Staleness limit of an input by its frequency (feature_set.h §2).
int max_gap_days(sources::SeriesFrequency frequency);

// The US settlement calendar every daily grid of mre uses (built once, 1900-2100).
const BusinessCalendar& settlement_calendar();

}  // namespace mre::workflows
