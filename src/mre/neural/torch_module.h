// The LibTorch half of the neural module is a shared library, libmre_torch.so (CMake target
// mre_torch), that mre loads with dlopen the first time a network is needed. Linking LibTorch
// into the executable cost every process about 0.4 CPU-s at start-up (LibTorch's operator
// registry and the ~250 shared libraries it pulls in), whether or not it touched a network; the
// test suite starts mre thousands of times. Now only the commands that train or run a network pay.
//
// This header is plain C++ and is seen by both halves:
//   - the module (the torch translation units: quant_gan.cc, ...) implements the functions
//     declared in namespace torch_module below and exports one C symbol, mre_torch_module_table,
//     that returns a Table of pointers to them (torch_module_table.cc);
//   - the executable's side (torch_dispatch.cc, always built) loads the module once, checks the
//     table's ABI number, and forwards the public functions of quant_gan.h (and the other neural
//     headers) through the table. Without the module (a build with MRE_TORCH off, or the file
//     missing) every call is an Unsupported error naming what is missing.
//
// Adding a torch entry point: declare it below, add a pointer to Table (and bump kAbi), fill the
// pointer in torch_module_table.cc, forward to it from torch_dispatch.cc (or the public header's
// plain .cc). Only plain types cross (Eigen, std containers, the module's config structs) and
// objects that hold tensors cross as the abstract classes below, created and destroyed in the
// module (their virtual destructor runs there).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/neural/attention.h"
#include "mre/neural/quant_gan.h"
#include "mre/neural/uncertainty.h"

namespace mre::neural::torch_module {

inline constexpr int kAbi = 3;

// A loaded Quant GAN generator (QuantGanGenerator holds one).
class QuantGanGeneratorBackend {
 public:
  virtual ~QuantGanGeneratorBackend() = default;
  // As QuantGanGenerator::generate.
  virtual Matrix generate(const Matrix& noise, const std::vector<int>& regime) const = 0;
};

// Implemented in the module (quant_gan.cc).
QuantGanModel train_quant_gan(const Matrix& shocks, const std::vector<int>& regime, int regimes,
                              const QuantGanConfig& config);
std::unique_ptr<QuantGanGeneratorBackend> make_quant_gan_generator(const QuantGanModel& model);
// Implemented in the module (attention.cc): as attention.h's functions of the same names.
AttentionModel initial_attention_model(const AttentionSpec& spec, std::uint64_t seed);
Matrix attention_probabilities(const AttentionModel& model, const std::vector<Matrix>& windows);
AttentionFit train_attention(const std::vector<Matrix>& windows, const std::vector<int>& labels,
                             const AttentionSpec& spec, const AttentionTraining& training,
                             const std::vector<std::string>& feature_names,
                             const std::vector<std::string>& class_names);
// Implemented in the module (uncertainty.cc): as uncertainty.h's functions of the same names.
ScaleModel train_scale_network(const Matrix& X, const Vector& residual,
                               const ScaleNetworkConfig& config);
Vector predict_scale(const ScaleModel& model, const Matrix& X);
OutOfFoldScale out_of_fold_scale(const Matrix& X, const Vector& residual,
                                 const std::vector<ScaleFold>& folds,
                                 const ScaleNetworkConfig& config);

struct Table {
  int abi = 0;
  QuantGanModel (*train_quant_gan)(const Matrix&, const std::vector<int>&, int,
                                   const QuantGanConfig&) = nullptr;
  std::unique_ptr<QuantGanGeneratorBackend> (*make_quant_gan_generator)(const QuantGanModel&) =
      nullptr;
  AttentionModel (*initial_attention_model)(const AttentionSpec&, std::uint64_t) = nullptr;
  Matrix (*attention_probabilities)(const AttentionModel&, const std::vector<Matrix>&) = nullptr;
  AttentionFit (*train_attention)(const std::vector<Matrix>&, const std::vector<int>&,
                                  const AttentionSpec&, const AttentionTraining&,
                                  const std::vector<std::string>&,
                                  const std::vector<std::string>&) = nullptr;
  ScaleModel (*train_scale_network)(const Matrix&, const Vector&,
                                    const ScaleNetworkConfig&) = nullptr;
  Vector (*predict_scale)(const ScaleModel&, const Matrix&) = nullptr;
  OutOfFoldScale (*out_of_fold_scale)(const Matrix&, const Vector&, const std::vector<ScaleFold>&,
                                      const ScaleNetworkConfig&) = nullptr;
};

// The executable's side: the module's table, loaded on first use (thread-safe). Unsupported,
// naming the build option or the missing file and dlopen's message, when it cannot be loaded.
const Table& table();

}  // namespace mre::neural::torch_module

// The one symbol the module exports.
extern "C" const mre::neural::torch_module::Table* mre_torch_module_table();
