// Jump-model speed (issue 19): one discrete JM fit on 8,000 x 3 with 10 k-means++ starts (the
// issue's reference size), the continuous model on the same data, and online inference. With
// `--data X.csv --starts S.csv --penalty L` it instead runs the coordinate descent from each
// start given in S.csv (K rows per start, one after another) and prints JSON (CPU seconds, best
// objective), so bench/jump_compare.py can time numpy on exactly the same work.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mre/regimes/jump/jump_model.h"

namespace {

using mre::Matrix;
namespace jm = mre::regimes::jump;

// Three regimes visited by a sticky chain, three features, unit noise around centres 2 apart.
Matrix simulated(int T, int D, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  Matrix data(T, D);
  int state = 0;
  for (int t = 0; t < T; ++t) {
    if (u(rng) < 0.01) state = static_cast<int>(u(rng) * 3) % 3;
    for (int d = 0; d < D; ++d) data(t, d) = 2.0 * state * (d % 2 ? -1 : 1) + z(rng);
  }
  return data;
}

void BM_JumpFit(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0));
  const Matrix data = simulated(T, 3, 1);
  const jm::JumpModelConfig config{
      .n_states = static_cast<int>(state.range(1)), .jump_penalty = 50.0, .n_init = 10};
  for (auto _ : state) benchmark::DoNotOptimize(jm::fit(data, config).objective);
}
BENCHMARK(BM_JumpFit)
    ->Args({8000, 2})
    ->Args({8000, 3})
    ->Args({2000, 2})
    ->Args({32000, 2})
    ->Unit(benchmark::kMillisecond);

void BM_ContinuousJumpFit(benchmark::State& state) {
  const Matrix data = simulated(8000, 3, 1);
  const jm::JumpModelConfig config{
      .n_states = 2, .jump_penalty = 50.0, .continuous = true, .grid_size = 0.05, .n_init = 10};
  for (auto _ : state) benchmark::DoNotOptimize(jm::fit(data, config).objective);
}
BENCHMARK(BM_ContinuousJumpFit)->Unit(benchmark::kMillisecond);

void BM_OnlineInference(benchmark::State& state) {
  const Matrix data = simulated(8000, 3, 1);
  const jm::JumpModelConfig config{.n_states = 2, .jump_penalty = 50.0, .n_init = 10};
  const auto model = jm::fit(data, config);
  for (auto _ : state)
    benchmark::DoNotOptimize(jm::infer_online(data, model.centers, config).labels.back());
  state.SetItemsProcessed(state.iterations() * data.rows());
}
BENCHMARK(BM_OnlineInference)->Unit(benchmark::kMicrosecond);

Matrix read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) row.push_back(std::stod(cell));
    if (!row.empty()) rows.push_back(row);
  }
  Matrix m(static_cast<Eigen::Index>(rows.size()),
           static_cast<Eigen::Index>(rows.empty() ? 0 : rows[0].size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c)
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
  }
  return m;
}

// Coordinate descent from each given start, best of `repeats` timings of the whole set.
int compare_mode(const std::string& data_path, const std::string& starts_path, double penalty,
                 int K, int repeats) {
  const Matrix data = read_csv(data_path);
  const Matrix starts = read_csv(starts_path);
  const jm::JumpModelConfig config{.n_states = K, .jump_penalty = penalty, .n_init = 1};
  double best_seconds = std::numeric_limits<double>::infinity();
  double best_objective = 0;
  for (int r = 0; r < repeats; ++r) {
    const std::clock_t begin = std::clock();  // CPU time: this VM is shared and wall time drifts
    double objective = std::numeric_limits<double>::infinity();
    for (Eigen::Index s = 0; s + K <= starts.rows(); s += K) {
      objective =
          std::min(objective, jm::fit_from(data, starts.middleRows(s, K), config).objective);
    }
    const double seconds = static_cast<double>(std::clock() - begin) / CLOCKS_PER_SEC;
    best_seconds = std::min(best_seconds, seconds);
    best_objective = objective;
  }
  std::printf("{\"seconds\": %.9f, \"objective\": %.17g}\n", best_seconds, best_objective);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--data") == 0) {
    if (argc < 10) {
      std::fprintf(
          stderr,
          "usage: jump_bench --data X.csv --starts S.csv --penalty L --states K --repeats N\n");
      return 1;
    }
    return compare_mode(argv[2], argv[4], std::stod(argv[6]), std::stoi(argv[8]),
                        argc > 10 ? std::stoi(argv[10]) : 3);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
