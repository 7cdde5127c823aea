// The attention regime network of issue 24 (the architecture is fixed in the integrator's
// neural_spec.md, repeated here): a classifier of the regime at t (or t + k) from a causal window
// of the last L days of F features. Plain C++ (Eigen and std::vector in and out); attention.cc is
// the one translation unit that includes torch, attention_unavailable.cc its twin in a build
// without LibTorch (every call that needs the network: Unsupported).
//
// Forward, x: [B, L, F] raw features, oldest day first, last row = day t; d = H / heads:
//   z   = (x - input_mean) / input_sd
//   h   = input(z) + position                                 [B, L, H]
//   last = h[:, L-1, :]                                       [B, H]
//   q   = query(last) as [B, heads, 1, d]       (only the last day asks: causal by construction)
//   k   = key(h),  v = value(h)  as [B, heads, L, d]
//   a   = softmax(q k^T / sqrt(d))                            [B, heads, 1, L]
//   ctx = (a v) as [B, H], heads concatenated in head order
//   y   = relu(hidden(dropout(output(ctx) + last)))
//   probabilities = softmax(classifier(dropout(y)))           [B, C]
// Linear layers are y = x W^T + b (torch::nn::Linear). Scaled dot-product multi-head attention:
// Vaswani et al. (2017), "Attention is all you need", section 3.2.
//
// Parameters in registration order (the layout of AttentionModel::weights, row-major):
//   input.weight [H, F], input.bias [H], position [L, H], query.weight [H, H], query.bias [H],
//   key.weight, key.bias, value.weight, value.bias, output.weight, output.bias, hidden.weight,
//   hidden.bias (each [H, H] / [H]), classifier.weight [C, H], classifier.bias [C].
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::neural {

// The network's sizes (defaults: seed 001's AttentionRegimeClassifier, with a causal window).
struct AttentionSpec {
  int inputs = 20;       // F: feature columns per day (set from the feature version)
  int hidden = 32;       // H
  int heads = 4;         // H % heads == 0; d = H / heads
  int classes = 3;       // C
  int window = 20;       // L: the day t and the L-1 days before it (causal window)
  double dropout = 0.3;  // training only
};

// Training settings (kept apart from the network's sizes).
struct AttentionTraining {
  int epochs = 60;                   // at most this many passes over the training examples
  int patience = 8;                  // stop after this many epochs without a better validation loss
  int batch = 64;                    // examples per Adam step
  double learning_rate = 1e-3;       // Adam (Kingma and Ba 2015), default betas
  double weight_decay = 0.0;         // Adam's L2 penalty
  double validation_fraction = 0.2;  // the LAST part of the training examples, in time order
  std::uint64_t seed = 42;           // torch::manual_seed and the batch shuffles
  int threads = 1;  // torch::set_num_threads; the weights are reproducible for a thread count
};

// A network with everything needed to use it: sizes, standardisation, weights, names.
struct AttentionModel {
  AttentionSpec spec{};
  std::vector<std::string> feature_names{};  // F names, in column order
  std::vector<double> input_mean{};          // F: from the training window only
  std::vector<double> input_sd{};            // F: from the training window only
  std::vector<float> weights{};              // attention_parameter_count(spec), registration order
  std::vector<std::string> class_names{};    // C names; probabilities columns follow this order
  std::string train_first{};                 // first and last day t of the training examples
  std::string train_last{};                  // (ISO dates; empty when not trained on dated data)
  std::uint64_t seed = 0;                    // the seed that made the initial weights
  int threads = 1;                           // the thread count training ran with
};

// What training reports beside the model (per epoch losses; the epoch whose weights were kept).
struct AttentionFit {
  AttentionModel model{};
  std::vector<double> train_loss{};       // per epoch: mean cross-entropy over training batches
  std::vector<double> validation_loss{};  // per epoch: cross-entropy on the validation examples
  int best_epoch = 0;                     // 1-based; the weights returned are this epoch's
  int epochs_run = 0;
  int train_examples = 0;
  int validation_examples = 0;
  double seconds = 0.0;  // training wall time
};

// False when the build has no LibTorch (CMake option MRE_TORCH off).
bool attention_available();

// F*H + H + L*H + 5*(H*H + H) + C*H + C.
std::size_t attention_parameter_count(const AttentionSpec& spec);

// InvalidArgument naming the setting when a size is out of range (heads must divide hidden,
// dropout in [0, 1)).
void check_attention_spec(const AttentionSpec& spec);
void check_attention_training(const AttentionTraining& training);

// A model whose weights are LibTorch's default initialisation under torch::manual_seed(seed)
// (Linear: Kaiming-uniform weights, uniform biases; position: zeros), with identity
// standardisation (mean 0, sd 1) and names "x0".., "class0"... Unsupported without LibTorch.
AttentionModel initial_attention_model(const AttentionSpec& spec, std::uint64_t seed);

// Class probabilities (N x C, rows sum to 1) for N windows, each L x F raw features (oldest day
// first), in eval mode (dropout off). DataError when the weights do not fit the spec or a window
// has the wrong shape or a non-finite value (naming the window, day and column); Unsupported
// without LibTorch.
Matrix attention_probabilities(const AttentionModel& model, const std::vector<Matrix>& windows);

// Trains from the initial weights of initial_attention_model(spec, training.seed) on windows
// (L x F each, in time order) with labels in [0, C): cross-entropy without class weights (the
// probabilities stay calibrated to the base rates, which log loss and Brier score reward), Adam,
// shuffled mini-batches, dropout, early stopping on the last validation_fraction of the examples
// (time order: the validation days follow the training days). The standardisation is the mean and
// (population) sd of each feature over the days t of the training examples only.
// DataError naming the cause: a non-finite input (example, day, column), a class with no example
// among the training examples (naming it), a constant feature, fewer than 2 validation or
// training examples; InvalidArgument for bad settings or shapes; Unsupported without LibTorch.
// `feature_names` (F) and `class_names` (C) are copied into the model (empty: generated names).
AttentionFit train_attention(const std::vector<Matrix>& windows, const std::vector<int>& labels,
                             const AttentionSpec& spec, const AttentionTraining& training,
                             const std::vector<std::string>& feature_names = {},
                             const std::vector<std::string>& class_names = {});

}  // namespace mre::neural
