// The attention regime network's cost (issue 24; bench/README.md, "Attention regime model"): one
// prediction at the default spec (seed 001's sizes, window 20) per batch size, and one training
// epoch over synthetic windows, on one thread (the reproducible setting).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "mre/neural/attention.h"

namespace {

using mre::Matrix;
using mre::neural::AttentionSpec;

std::vector<Matrix> windows(int count, const AttentionSpec& spec, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Matrix> out;
  for (int n = 0; n < count; ++n) {
    Matrix window(spec.window, spec.inputs);
    for (int day = 0; day < spec.window; ++day)
      for (int column = 0; column < spec.inputs; ++column) window(day, column) = normal(engine);
    out.push_back(std::move(window));
  }
  return out;
}

// attention_probabilities on `batch` windows; items = predictions.
void BM_AttentionPredict(benchmark::State& state) {
  const AttentionSpec spec{};
  const auto model = mre::neural::initial_attention_model(spec, 7);
  const auto input = windows(static_cast<int>(state.range(0)), spec, 1);
  for (auto _ : state) benchmark::DoNotOptimize(mre::neural::attention_probabilities(model, input));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AttentionPredict)->Arg(1)->Arg(32)->Arg(1000)->Unit(benchmark::kMillisecond);

// One epoch of train_attention over `examples` windows (80% trained in batches of 64, 20%
// validated), dropout 0.3, Adam; labels from the last day's first feature (learnable).
void BM_AttentionTrainEpoch(benchmark::State& state) {
  const AttentionSpec spec{};
  const auto input = windows(static_cast<int>(state.range(0)), spec, 2);
  std::vector<int> labels;
  for (const auto& window : input) {
    const double x = window(spec.window - 1, 0);
    labels.push_back(x < -0.4 ? 0 : (x < 0.4 ? 1 : 2));
  }
  mre::neural::AttentionTraining training;
  training.epochs = 1;
  training.patience = 1;
  training.threads = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mre::neural::train_attention(input, labels, spec, training));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AttentionTrainEpoch)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
