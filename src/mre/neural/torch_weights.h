// A network's parameters to and from one flat float vector, the stored form of every network in
// mre (Quant GAN generator, attention model, uncertainty scale net), in the order of the list the
// caller passes (each network's own stated order: `parameters()` or an explicit one). Part of the
// LibTorch module (libmre_torch.so): include only from its translation units.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mre/core/check.h"

namespace mre::neural::torch_weights {

inline std::vector<float> flatten(const std::vector<torch::Tensor>& parameters) {
  std::vector<float> out;
  for (const auto& p : parameters) {
    const torch::Tensor flat = p.detach().contiguous().view(-1);
    const float* v = flat.data_ptr<float>();
    out.insert(out.end(), v, v + flat.numel());
  }
  return out;
}

// REQUIRES: weights.size() equals the parameters' total size (InvalidArgument otherwise).
inline void load(const std::vector<torch::Tensor>& parameters, const std::vector<float>& weights) {
  std::size_t total = 0;
  for (const auto& p : parameters) total += static_cast<std::size_t>(p.numel());
  check_arg(weights.size() == total, "weights",
            "must hold " + std::to_string(total) + " values (got " +
                std::to_string(weights.size()) + ")");
  torch::NoGradGuard no_grad;
  std::size_t offset = 0;
  for (const auto& p : parameters) {
    const auto n = static_cast<std::size_t>(p.numel());
    std::vector<float> copy(weights.begin() + static_cast<std::ptrdiff_t>(offset),
                            weights.begin() + static_cast<std::ptrdiff_t>(offset + n));
    torch::Tensor target = p;
    target.copy_(torch::from_blob(copy.data(), {static_cast<std::int64_t>(n)}, torch::kFloat32)
                     .view(p.sizes()));
    offset += n;
  }
}

}  // namespace mre::neural::torch_weights
