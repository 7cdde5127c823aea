// Gaussian HMM speed: EM iterations per second (full covariance) over sweeps of T, K and D,
// the reference size (K = 6, D = 10, T = 8,000), time to convergence, and the forward
// filter's cost for one new observation (the real-time classifier's step).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "mre/core/allocator.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/hmm/gaussian_hmm.h"

namespace {

using mre::Matrix;
using mre::Vector;
namespace hmm = mre::regimes::hmm;

// K well-separated Gaussian clusters visited by a sticky chain.
Matrix simulated(int T, int K, int D, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  Matrix centers(K, D);
  for (auto& v : centers.reshaped()) v = 3.0 * z(rng);
  Matrix data(T, D);
  int state = 0;
  for (int t = 0; t < T; ++t) {
    if (u(rng) < 0.03) state = static_cast<int>(u(rng) * K) % K;
    for (int d = 0; d < D; ++d) data(t, d) = centers(state, d) + z(rng);
  }
  return data;
}

void BM_EmIterations(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0));
  const int K = static_cast<int>(state.range(1));
  const int D = static_cast<int>(state.range(2));
  const Matrix data = simulated(T, K, D, 1);
  // EM from a fixed k-means++ start for a fixed number of iterations (tol < 0 never stops
  // early), so the rate counts EM iterations only, not the initialisation.
  const auto start = hmm::fit(data, {.n_states = K, .n_iter = 1});
  const hmm::GaussianHmmConfig config{.n_states = K, .n_iter = 20, .tol = -1.0};
  int iterations = 0;
  for (auto _ : state) iterations += hmm::fit_from(data, start.params, config).iterations;
  state.counters["em_iterations_per_second"] =
      benchmark::Counter(static_cast<double>(iterations), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EmIterations)
    ->Args({8000, 6, 10})  // the reference size
    ->Args({2000, 6, 10})
    ->Args({32000, 6, 10})
    ->Args({8000, 2, 10})
    ->Args({8000, 12, 10})
    ->Args({8000, 6, 3})
    ->Args({8000, 6, 20})
    ->Unit(benchmark::kMillisecond);

// The same EM with rows missing values, shaped like the classifier's indicators on the bundled
// data (the backfill's workload): the first third of the rows lacks the last two columns (series
// that start later), and one row in a hundred lacks column 3 (the marginalised path).
void BM_EmIterationsMissing(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0));
  const int K = static_cast<int>(state.range(1));
  const int D = static_cast<int>(state.range(2));
  Matrix data = simulated(T, K, D, 1);
  for (int t = 0; t < T; ++t) {
    if (t < T / 3) data(t, D - 1) = data(t, D - 2) = std::nan("");
    if (t % 100 == 7) data(t, 3) = std::nan("");
  }
  const auto start = hmm::fit(data, {.n_states = K, .n_iter = 1});
  const hmm::GaussianHmmConfig config{.n_states = K, .n_iter = 20, .tol = -1.0};
  int iterations = 0;
  for (auto _ : state) iterations += hmm::fit_from(data, start.params, config).iterations;
  state.counters["em_iterations_per_second"] =
      benchmark::Counter(static_cast<double>(iterations), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EmIterationsMissing)->Args({8000, 6, 10})->Unit(benchmark::kMillisecond);

void BM_FitToConvergence(benchmark::State& state) {
  const Matrix data = simulated(8000, 6, 10, 2);
  int iterations = 0;
  for (auto _ : state) iterations = hmm::fit(data, {.n_states = 6}).iterations;
  state.counters["iterations"] = iterations;
}
BENCHMARK(BM_FitToConvergence)->Unit(benchmark::kMillisecond);

void BM_ForwardStepOneObservation(benchmark::State& state) {
  const Matrix data = simulated(2000, 6, 10, 3);
  const auto fit = hmm::fit(data, {.n_states = 6, .n_iter = 50});
  Vector filtered = Vector::Constant(6, 1.0 / 6);
  const mre::RowVector row = data.row(100);
  const auto prepared = hmm::prepare_emission(fit.params);  // once per model, not per observation
  for (auto _ : state) {
    // Emission density of the new row under all six states, then the filter step.
    const mre::RowVector log_b = hmm::log_emission_row(fit.params, prepared, row);
    filtered = hmm::forward_step(filtered, log_b, fit.params.transition);
    benchmark::DoNotOptimize(filtered.data());
  }
}
BENCHMARK(BM_ForwardStepOneObservation)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  mre::tune_allocator();  // as the mre binary does
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
