// Seed 001's UncertaintyEstimator on LibTorch (issue 24, point 3): a heteroscedastic network that
// predicts the scale sigma(x) of a residual (in mre: the DML final-stage residual) from the
// controls x. This header is plain C++ (Eigen in, Eigen out); uncertainty.cc, which includes
// torch, is part of the LibTorch module libmre_torch.so, loaded on first use (torch_module.h);
// without LibTorch every call that needs the network is Unsupported. The intervals built on
// sigma(x) are neural/conformal.h's.
//
// Network (the seed's sizes): z = (clamp(x, training range) - mean) / sd per input (training rows
// only),
//   sigma(x) = s * (softplus(W2 relu(W1 z + b1) + b2) + 1e-6),
// s the root mean square of the training residuals (so the network works at unit scale).
// Loss: the Gaussian negative log-likelihood of the residuals r given sigma (Nix and Weigend
// 1994, "Estimating the mean and variance of the target probability distribution"; a proper
// scoring rule for the scale), per row: log sigma + r^2 / (2 sigma^2) (the constant dropped).
// Training: full-batch Adam, seeded, deterministic for a thread count; early stopping on a
// time-ordered validation part (the last `validation_fraction` of the training rows, never
// shuffled); the weights of the best validation epoch are kept.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::neural {

struct ScaleNetworkConfig {
  int hidden = 32;                   // the seed's hidden_size
  int epochs = 500;                  // full-batch Adam steps at most; 0: the initial network
  int patience = 25;                 // epochs without a better validation loss before stopping
  double validation_fraction = 0.2;  // the last part of the training rows, in time order
  double learning_rate = 0.01;       // Adam
  double weight_decay = 1e-4;        // Adam's L2 penalty
  std::uint64_t seed = 42;
  int threads = 1;  // torch::set_num_threads; the weights are reproducible for a thread count
};

// A trained scale network: everything predict_scale needs.
struct ScaleModel {
  ScaleNetworkConfig config{};
  int inputs = 0;
  std::vector<double> input_mean{};  // per control, from the training rows
  std::vector<double> input_sd{};    // per control (1 for a constant control)
  // Per control, the training rows' range: a control outside it is clamped to it before the
  // network sees it (a ReLU network extrapolates linearly, and softplus then exponentially in
  // spirit: on the bundled data an unclamped March-2020 row gave sigma 1e22).
  std::vector<double> input_min{};
  std::vector<double> input_max{};
  double residual_scale = 1.0;  // s: the training residuals' root mean square
  // Parameters in registration order: hidden.weight [H, F], hidden.bias [H], output.weight
  // [1, H], output.bias [1].
  std::vector<float> weights{};
  int epochs_run = 0;  // Adam steps taken
  int best_epoch = 0;  // the epoch whose weights were kept (0: the initial network)
  double validation_loss = std::numeric_limits<double>::quiet_NaN();  // mean NLL, best epoch
  // The same loss with a constant sigma = s (what the network must beat).
  double constant_validation_loss = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;
};

// F H + H + H + 1.
std::size_t scale_parameter_count(int inputs, int hidden);

// Trains on the residuals `residual` (n) with controls X (n x F), rows in time order.
// InvalidArgument naming the setting out of range (hidden, epochs, patience,
// validation_fraction, learning_rate, weight_decay, threads) or a size mismatch; DataError for a
// non-finite control or residual (naming the row and column), fewer than 10 rows, or residuals
// that are all zero; Unsupported without LibTorch.
ScaleModel train_scale_network(const Matrix& X, const Vector& residual,
                               const ScaleNetworkConfig& config);

// sigma(x) per row of X (> 0). DataError when the weights do not fit the model's sizes or a
// control is not finite; InvalidArgument when X has the wrong number of columns.
Vector predict_scale(const ScaleModel& model, const Matrix& X);

// Rows of a cross-fitting split (causal::Fold without depending on causal/).
struct ScaleFold {
  std::vector<Eigen::Index> train{};
  std::vector<Eigen::Index> test{};
};

// Out of fold: one network per fold, trained on the fold's training rows (in their time order)
// and predicting sigma on its test rows. sigma has every row a test row of some fold (NaN
// otherwise); models[k] is fold k's network.
struct OutOfFoldScale {
  Vector sigma;
  std::vector<ScaleModel> models{};
};
OutOfFoldScale out_of_fold_scale(const Matrix& X, const Vector& residual,
                                 const std::vector<ScaleFold>& folds,
                                 const ScaleNetworkConfig& config);

}  // namespace mre::neural
