// Historical classification speed (issue 5): the hierarchical classifier over a CSV of the ten
// MR-DS-01 indicators, CSV parse + both HMM forward steps + MR-DS-03 columns + write, on one
// core; and its memory: peak RSS growth over the run, which must not grow with the file.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "mre/core/allocator.h"
#include "mre/core/date.h"
#include "mre/regimes/hierarchical/classifier.h"
#include "mre/regimes/hierarchical/mapping.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/workflows/classify.h"

namespace {

namespace hier = mre::regimes::hierarchical;
namespace hmm = mre::regimes::hmm;
using mre::Matrix;

// Six regimes at their MR-BR-01 profiles (in z units, then scaled to plausible levels), a
// sticky chain; the same generator writes the training sample and the benchmark file.
struct Generator {
  std::mt19937_64 rng{42};
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  int state = 0;
  void next(std::vector<double>& x) {
    if (u(rng) < 0.02) state = static_cast<int>(rng() % 6);
    const auto& def = hier::global_macro_definition();
    for (std::size_t i = 0; i < 10; ++i) {
      double t = 0;
      for (const auto& target : def.profiles[static_cast<std::size_t>(state)].targets) {
        if (target.indicator == def.indicators[i]) t = target.z;
      }
      x[i] = t + 0.4 * z(rng);
    }
    x[2] = 20.0 + 7.0 * x[2];  // VIX around 20
  }
};

hier::Component fit_component(const Matrix& all, const hier::ModelDefinition& def) {
  const auto& names = hier::mr_ds_01_indicators();
  Matrix data(all.rows(), static_cast<Eigen::Index>(def.indicators.size()));
  for (std::size_t i = 0; i < def.indicators.size(); ++i) {
    data.col(static_cast<Eigen::Index>(i)) =
        all.col(std::find(names.begin(), names.end(), def.indicators[i]) - names.begin());
  }
  hier::Component c;
  c.definition = def;
  c.params = hmm::fit(data, {.n_states = def.n_states(), .n_iter = 200}).params;
  c.stats = hier::global_statistics(data);
  c.mapping = hier::map_states(c.params.means, c.stats, def);
  return c;
}

struct Fixture {
  hier::HierarchicalModel model;
  std::filesystem::path dir;
  std::filesystem::path input(std::size_t rows) const {
    return dir / ("history_" + std::to_string(rows) + ".csv");
  }

  Fixture() {
    dir = std::filesystem::temp_directory_path() /
          ("mre-classify-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    Generator gen;
    std::vector<double> x(10);
    Matrix train(3000, 10);
    for (Eigen::Index t = 0; t < train.rows(); ++t) {
      gen.next(x);
      for (Eigen::Index i = 0; i < 10; ++i) train(t, i) = x[static_cast<std::size_t>(i)];
    }
    model.global = fit_component(train, hier::global_macro_definition());
    model.muni = fit_component(train, hier::muni_definition());
    for (const std::size_t rows : {100'000, 1'000'000}) {
      std::FILE* f = std::fopen(input(rows).c_str(), "wb");
      std::fputs("timestamp,instrument_type", f);
      for (const auto& name : hier::mr_ds_01_indicators()) std::fprintf(f, ",%s", name.c_str());
      std::fputs("\n", f);
      // One row per minute from 2020-01-01: a million rows span about two years.
      const mre::Date start = mre::Date::from_ymd(2020, 1, 1);
      for (std::size_t r = 0; r < rows; ++r) {
        gen.next(x);
        const std::string date = (start + static_cast<int>(r / 1440)).iso();
        std::fprintf(f, "%sT%02d:%02d:00Z,%s", date.c_str(), static_cast<int>(r / 60 % 24),
                     static_cast<int>(r % 60), r % 3 == 0 ? "MUNI" : "UST");
        for (const double v : x) std::fprintf(f, ",%.6g", v);
        std::fputs("\n", f);
      }
      std::fclose(f);
    }
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void BM_HistoricalClassification(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  auto& f = fixture();
  const auto out = f.dir / "out.csv";
  const std::vector<std::string> types = {"MUNI", "UST"};
  const long rss_before = peak_rss_kib();
  std::size_t done = 0;
  for (auto _ : state)
    done += mre::workflows::classify_csv(f.model, types, f.input(rows), out, nullptr, false).rows;
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
  state.counters["peak_rss_growth_MiB"] = static_cast<double>(peak_rss_kib() - rss_before) / 1024.0;
  state.counters["input_MiB"] =
      static_cast<double>(std::filesystem::file_size(f.input(rows))) / (1024.0 * 1024.0);
}
// 100k first so the peak-RSS growth of the 1M run shows what a ten times longer file adds.
BENCHMARK(BM_HistoricalClassification)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  mre::tune_allocator();  // as the mre binary does
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
