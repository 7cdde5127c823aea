// The three default feature sets over the whole snapshot: from the CSV files (parse + align +
// compute, what the pandas reference times) and compute only (raw series already in memory).
// bench/features_compare.py runs this and bench/features_pandas.py and prints the ratio.
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>

#include "mre/features/feature_set.h"
#include "mre/sources/csv_files.h"
#include "mre/sources/universe.h"
#include "mre/workflows/build_features.h"
#include "mre/workflows/feature_spec.h"

namespace {

const std::filesystem::path kRoot = MRE_SOURCE_DIR;
const std::filesystem::path kUniverse = kRoot / "config" / "universe.yml";

std::vector<mre::workflows::LoadedSpec> default_specs() {
  std::vector<mre::workflows::LoadedSpec> specs;
  for (const char* name : {"indicators", "macro_ltv", "cross_asset"}) {
    specs.push_back(mre::workflows::load_feature_spec(kRoot / "config" / "features" /
                                                      (std::string(name) + ".yml")));
  }
  return specs;
}

std::map<std::string, mre::TimeSeries> read_inputs(
    const std::vector<mre::workflows::LoadedSpec>& specs, const mre::sources::Universe& universe) {
  std::map<std::string, mre::TimeSeries> raw;
  for (const auto& loaded : specs) {
    for (const auto& ticker : mre::features::ticker_inputs(loaded.spec)) {
      if (!raw.count(ticker))
        raw[ticker] = mre::sources::load_series_file(universe.find(ticker)->file, ticker);
    }
  }
  return raw;
}

void BM_DefaultFeatureSetsFromCsvFiles(benchmark::State& state) {
  const auto specs = default_specs();
  std::size_t values = 0;
  for (auto _ : state) {
    const auto universe = mre::sources::load_universe(kUniverse);
    const auto raw = read_inputs(specs, universe);
    values = 0;
    for (const auto& loaded : specs) {
      std::map<std::string, mre::TimeSeries> mine;
      for (const auto& t : mre::features::ticker_inputs(loaded.spec)) mine[t] = raw.at(t);
      const auto out = mre::workflows::compute_from_raw(loaded.spec, universe, mine);
      for (std::size_t c = 0; c < out.values.cols(); ++c) {
        for (double v : out.values.column(c)) values += std::isnan(v) ? 0 : 1;
      }
    }
  }
  state.counters["values"] = static_cast<double>(values);
}
BENCHMARK(BM_DefaultFeatureSetsFromCsvFiles)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_DefaultFeatureSetsComputeOnly(benchmark::State& state) {
  const auto specs = default_specs();
  const auto universe = mre::sources::load_universe(kUniverse);
  const auto raw = read_inputs(specs, universe);
  const auto calendar = mre::BusinessCalendar::us_settlement(1900, 2100);
  std::vector<std::map<std::string, mre::features::TickerInput>> inputs;
  for (const auto& loaded : specs) {
    auto& m = inputs.emplace_back();
    for (const auto& t : mre::features::ticker_inputs(loaded.spec)) {
      const auto* meta = universe.find(t);
      m[t] = {raw.at(t), meta->publication_lag_days, mre::workflows::max_gap_days(meta->frequency)};
    }
  }
  for (auto _ : state) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      benchmark::DoNotOptimize(
          mre::features::compute_feature_set(specs[i].spec, inputs[i], {}, calendar));
    }
  }
}
BENCHMARK(BM_DefaultFeatureSetsComputeOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
