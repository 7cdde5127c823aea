// Conditional Quant GAN (Wiese, Knobloch, Korn and Kretschmer 2020, "Quant GANs: deep generation
// of financial time series", Quantitative Finance 20(9)): a temporal convolutional network (TCN)
// generator maps Gaussian noise and a regime label per day to a sequence of shock vectors; a TCN
// critic of the same shape scores sequences. This header is plain C++ (Eigen in, Eigen out);
// quant_gan.cc, which includes torch, is part of the LibTorch module libmre_torch.so, loaded on
// first use (torch_module.h); without LibTorch every call that needs the networks is Unsupported.
//
// Architecture (the paper's pure TCN, section 5 and appendix): temporal blocks of two causal
// convolutions with PReLU, a residual connection, and a skip connection from each block to the
// output; block 0 has kernel 1 (it lifts the input to `hidden` channels), blocks 1..levels have
// kernel 2 and dilations 1, 2, ..., 2^(levels-1); the output is a 1x1 convolution of the sum of
// the skips. Receptive field: 1 + 2 (2^levels - 1) (levels 6: the paper's 127). Convolutions are
// unpadded: L inputs give L - (field - 1) outputs, each seeing exactly `field` days.
//
// Preprocessing (the paper's section 6.1): each series standardised, Gaussianized by the inverse
// Lambert W transform (neural/lambert_w.h), standardised again; generated values go back through
// the same steps.
//
// Loss: WGAN-GP (Gulrajani et al. 2017, "Improved training of Wasserstein GANs", Algorithm 1):
//   critic:    mean D(fake) - mean D(real) + lambda mean (||grad_x D(x_hat)||_2 - 1)^2,
//              x_hat = e real + (1 - e) fake, e ~ U(0, 1) per sequence,
//   generator: -mean D(fake),
// with Adam (beta1 0, beta2 0.9) and `critic_steps` critic updates per generator update. The
// critic's score of a sequence is the mean of its per-day outputs. Why not the paper's objective:
// the critic's loss estimates the earth mover's distance the evaluation reports, it does not need
// a balance between two networks to make progress, and it is the usual choice for small data.
//
// The condition: one one-hot channel per regime, beside the noise (generator) or the shocks
// (critic), so the critic judges sequences given their regimes and the generator learns each
// regime's shocks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/neural/lambert_w.h"

namespace mre::neural {

// False when the build has no LibTorch (CMake option MRE_TORCH off) or its module
// (libmre_torch.so, see torch_module.h) is missing. Does not load the module.
bool torch_available();
// Loads the LibTorch module now, if there is one (about 0.5 s): a server does so at start so its
// first network request does not wait. False when it cannot be loaded.
bool torch_preload();

struct QuantGanConfig {
  int hidden = 16;                 // channels of every convolution (the paper: 80)
  int levels = 4;                  // dilated blocks: dilations 1..2^(levels-1) (the paper: 6)
  int noise_channels = 3;          // Gaussian noise channels per day (the paper: 3)
  int window = 0;                  // days per training sequence; 0: twice the receptive field
  int steps = 600;                 // generator updates
  int critic_steps = 5;            // critic updates per generator update (Gulrajani et al.: 5)
  int batch = 32;                  // sequences per update
  double gradient_penalty = 10.0;  // lambda (Gulrajani et al.: 10)
  double learning_rate = 2e-4;     // Adam, both networks
  std::uint64_t seed = 42;
  int threads = 1;  // torch::set_num_threads; the weights are reproducible for a thread count
};

// The paper's sizes: hidden 80, levels 6 (receptive field 127); the same training settings.
QuantGanConfig paper_quant_gan_config();
// "default" | "paper"; InvalidArgument otherwise.
QuantGanConfig quant_gan_config_named(const std::string& name);

// 1 + 2 (2^levels - 1).
int receptive_field(const QuantGanConfig& config);
// The training sequence length the config uses (window, or twice the receptive field).
int training_window(const QuantGanConfig& config);

// A trained generator: everything needed to draw from it.
struct QuantGanModel {
  QuantGanConfig config{};
  int series = 0;                         // output channels
  int regimes = 1;                        // condition channels
  std::vector<LambertWParams> lambert{};  // per series: the first standardisation and delta
  std::vector<double> gaussian_mean{};    // per series: the second standardisation
  std::vector<double> gaussian_sd{};
  std::vector<float> weights{};          // the generator's parameters in registration order
  std::vector<double> critic_loss{};     // per generator step: the last critic loss
  std::vector<double> generator_loss{};  // per generator step
  double seconds = 0.0;                  // training wall time
};

// Number of generator parameters for a config, series and regimes (the size `weights` must have).
std::size_t quant_gan_parameter_count(const QuantGanConfig& config, int series, int regimes);

// Trains on `shocks` (days x series) with one regime label per day in [0, regimes).
// DataError naming the cause: fewer days than the training window plus the receptive field
// minus one ("shorter than the receptive field"), a non-finite shock (day and series), a regime
// with no day in the window (naming it), a constant series; InvalidArgument for settings out of
// range; Unsupported without LibTorch.
QuantGanModel train_quant_gan(const Matrix& shocks, const std::vector<int>& regime, int regimes,
                              const QuantGanConfig& config);

// A generator ready to draw (the weights loaded once). Thread-safe: generate() may be called
// from several threads at once.
class QuantGanGenerator {
 public:
  // DataError when the weights do not fit the config's network; Unsupported without LibTorch.
  explicit QuantGanGenerator(const QuantGanModel& model);
  ~QuantGanGenerator();
  QuantGanGenerator(const QuantGanGenerator&) = delete;
  QuantGanGenerator& operator=(const QuantGanGenerator&) = delete;

  int warmup() const;  // receptive field - 1: the extra noise rows generate() needs
  int noise_channels() const;
  int regimes() const;
  int series() const;
  // noise: (days + warmup()) x noise_channels() standard normals; regime: one label per noise
  // row. Returns days x series() in the training data's units.
  Matrix generate(const Matrix& noise, const std::vector<int>& regime) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mre::neural
