// See quant_gan.h: the parts that need no LibTorch (settings, sizes), compiled in every build.
#include <string>

#include "mre/core/error.h"
#include "mre/neural/quant_gan.h"

namespace mre::neural {

QuantGanConfig paper_quant_gan_config() {
  QuantGanConfig c;
  c.hidden = 80;
  c.levels = 6;
  return c;
}

QuantGanConfig quant_gan_config_named(const std::string& name) {
  if (name == "default") return QuantGanConfig{};
  if (name == "paper") return paper_quant_gan_config();
  throw Error(ErrorCode::kInvalidArgument,
              "--size: unknown network size '" + name + "' (default, paper)");
}

int receptive_field(const QuantGanConfig& c) { return 1 + 2 * ((1 << c.levels) - 1); }

int training_window(const QuantGanConfig& c) {
  return c.window > 0 ? c.window : 2 * receptive_field(c);
}

std::size_t quant_gan_parameter_count(const QuantGanConfig& c, int series, int regimes) {
  const auto h = static_cast<std::size_t>(c.hidden);
  const auto in = static_cast<std::size_t>(c.noise_channels + regimes);
  // Block 0: two 1x1 convolutions (in -> h, h -> h) with biases, a 1x1 residual (in -> h) when in
  // != h, two PReLU slopes; blocks 1..levels: two kernel-2 convolutions (h -> h) and two slopes;
  // the output 1x1 convolution (h -> series).
  std::size_t n = (in * h + h) + (h * h + h) + (in != h ? in * h + h : 0) + 2;
  n += static_cast<std::size_t>(c.levels) * (2 * (2 * h * h + h) + 2);
  n += h * static_cast<std::size_t>(series) + static_cast<std::size_t>(series);
  return n;
}

}  // namespace mre::neural
