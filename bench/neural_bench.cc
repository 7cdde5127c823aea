// The attention regime network (neural/attention.h) at the default spec (seed 001's sizes: hidden
// 32, 4 heads, window 20; 10 inputs as the MR-DS-01 indicators): the forward pass per prediction
// (batch 1, as the serving route does, and batch 256, as a walk-forward refit classifies its
// period), and one training epoch over N windows (Adam, batch 64, dropout, plus the validation
// pass). One LibTorch thread. Figures in bench/README.md.
#include <benchmark/benchmark.h>

#include <random>

#include "mre/neural/attention.h"

namespace {

using mre::Matrix;
using mre::neural::AttentionSpec;

AttentionSpec spec() {
  AttentionSpec s;
  s.inputs = 10;
  return s;
}

std::vector<Matrix> windows(int n, std::vector<int>* labels = nullptr) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z;
  std::vector<Matrix> out;
  for (int i = 0; i < n; ++i) {
    Matrix w(20, 10);
    for (int t = 0; t < 20; ++t)
      for (int j = 0; j < 10; ++j) w(t, j) = z(rng);
    if (labels) labels->push_back(i % 3);
    out.push_back(std::move(w));
  }
  return out;
}

void BM_AttentionForward(benchmark::State& state) {
  const auto model = mre::neural::initial_attention_model(spec(), 1);
  const auto w = windows(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(mre::neural::attention_probabilities(model, w));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AttentionForward)->Arg(1)->Arg(256)->Unit(benchmark::kMicrosecond);

void BM_AttentionEpoch(benchmark::State& state) {
  std::vector<int> labels;
  const auto w = windows(static_cast<int>(state.range(0)), &labels);
  mre::neural::AttentionTraining t;
  t.epochs = 1;
  t.threads = 1;
  for (auto _ : state) benchmark::DoNotOptimize(mre::neural::train_attention(w, labels, spec(), t));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AttentionEpoch)->Arg(1000)->Arg(4000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
