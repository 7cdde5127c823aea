// The whole jm_sp500 backtest (issue 19): the snapshot's ^GSPC and DGS3MO in a memory store,
// the sp500_jm features, then config/backtests/jm_sp500.yml computed (not stored): 7 penalties x
// ~70 semi-annual walk-forward jump-model fits, each candidate's strategy, the monthly penalty
// selection, the HMM-guided strategy (~70 HMM fits) and buy-and-hold. One thread. Prints
//   backtest_bench part=<all|jm|hmm> seconds=<best of N> strategies=K
// where jm / hmm time specs holding only that strategy (and buy-and-hold) to split the cost.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mre/store/store.h"
#include "mre/workflows/backtest.h"
#include "mre/workflows/build_features.h"
#include "mre/workflows/ingest.h"

namespace {

const std::filesystem::path kSource = MRE_SOURCE_DIR;

// The spec without the strategy blocks not named in `keep` (blocks start with "  - name: ").
std::string subset(const std::string& text, const std::string& keep) {
  std::istringstream in(text);
  std::string line, out;
  bool on = true;
  while (std::getline(in, line)) {
    if (line.rfind("  - name: ", 0) == 0) {
      const std::string name = line.substr(10);
      on = keep == "all" || name == keep || name == "buy_and_hold";
    }
    if (on) out += line + "\n";
  }
  return out;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 3;
  auto store = mre::store::open_store(":memory:");
  mre::workflows::ingest(
      *store, {.universe_path = kSource / "config/universe.yml", .tickers = {"^GSPC", "DGS3MO"}});
  mre::workflows::build_features(*store, {.spec_path = kSource / "config/features/sp500_jm.yml",
                                          .version = "F1",
                                          .universe_path = kSource / "config/universe.yml"});
  std::ifstream file(kSource / "config/backtests/jm_sp500.yml");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto dir =
      std::filesystem::temp_directory_path() / ("backtest_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string part : {"all", "jm", "hmm"}) {
    const auto spec = dir / (part + ".yml");
    std::ofstream(spec) << subset(text, part);
    double best = 1e300, best_cpu = 1e300;
    std::size_t strategies = 0;
    for (int r = 0; r < repeats; ++r) {
      const double c0 = cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      const auto report =
          mre::workflows::compute_backtest(*store, {.spec_path = spec, .version = "BENCH"});
      best = std::min(best,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      best_cpu = std::min(best_cpu, cpu_seconds() - c0);
      strategies = report.result.strategies.size();
    }
    // Wall time on a shared VM includes waiting for the core; the thread's CPU time does not.
    std::printf("backtest_bench part=%s seconds=%.3f cpu_seconds=%.3f strategies=%zu\n",
                part.c_str(), best, best_cpu, strategies);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
