// See torch_module.h: the executable's side. Loads libmre_torch.so on first use and forwards the
// public functions of the neural headers to it. Compiled in every build; with MRE_TORCH off there
// is no module to load and every call is Unsupported.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "mre/core/error.h"
#include "mre/neural/attention.h"
#include "mre/neural/quant_gan.h"
#include "mre/neural/torch_module.h"
#include "mre/neural/uncertainty.h"

namespace mre::neural {

namespace torch_module {

namespace {

struct Loaded {
  const Table* table = nullptr;
  std::string problem;  // why it could not be loaded
};

// Where the module is: $MRE_TORCH_MODULE if set; else beside the executable; else where the
// build wrote it (MRE_TORCH_MODULE_PATH, compiled in).
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("MRE_TORCH_MODULE"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / "libmre_torch.so").string());
#ifdef MRE_TORCH_MODULE_PATH
  out.emplace_back(MRE_TORCH_MODULE_PATH);
#endif
  return out;
}

Loaded load() {
  Loaded loaded;
#ifndef MRE_TORCH_MODULE_PATH
  loaded.problem =
      "this build has no LibTorch (install Debian's libtorch-dev and configure with "
      "-DMRE_TORCH=ON)";
  return loaded;
#else
  std::string tried;
  for (const auto& path : candidates()) {
    if (!std::filesystem::exists(path)) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      loaded.problem = "cannot load the LibTorch module " + path + ": " +
                       (why != nullptr ? why : "unknown dlopen error");
      return loaded;
    }
    using Entry = const Table* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "mre_torch_module_table"));
    if (entry == nullptr) {
      loaded.problem = "the LibTorch module " + path + " has no mre_torch_module_table";
      return loaded;
    }
    const Table* t = entry();
    if (t == nullptr || t->abi != kAbi) {
      loaded.problem = "the LibTorch module " + path + " is from another build of mre (ABI " +
                       std::to_string(t != nullptr ? t->abi : -1) + ", expected " +
                       std::to_string(kAbi) + "); rebuild it";
      return loaded;
    }
    loaded.table = t;  // never dlclose'd: its objects live as long as the process
    return loaded;
  }
  loaded.problem = "the LibTorch module libmre_torch.so was not found (looked for " + tried +
                   "; set MRE_TORCH_MODULE to its path)";
  return loaded;
#endif
}

const Loaded& loaded() {
  static const Loaded l = load();
  return l;
}

}  // namespace

const Table& table() {
  const auto& l = loaded();
  if (l.table == nullptr) throw Error(ErrorCode::kUnsupported, "neural: " + l.problem);
  return *l.table;
}

}  // namespace torch_module

bool torch_available() {
#ifdef MRE_TORCH_MODULE_PATH
  // Whether the module is there, without loading it (loading costs ~0.5 s; a failure to load is
  // reported, naming the cause, by the first call that needs it).
  std::error_code ec;
  for (const auto& path : torch_module::candidates())
    if (std::filesystem::exists(path, ec)) return true;
#endif
  return false;
}

bool torch_preload() { return torch_module::loaded().table != nullptr; }

QuantGanModel train_quant_gan(const Matrix& shocks, const std::vector<int>& regime, int regimes,
                              const QuantGanConfig& config) {
  return torch_module::table().train_quant_gan(shocks, regime, regimes, config);
}

struct QuantGanGenerator::Impl {
  QuantGanModel model;
  std::unique_ptr<torch_module::QuantGanGeneratorBackend> backend;
};

QuantGanGenerator::QuantGanGenerator(const QuantGanModel& model) : impl_(std::make_unique<Impl>()) {
  impl_->backend = torch_module::table().make_quant_gan_generator(model);
  impl_->model = model;
}

QuantGanGenerator::~QuantGanGenerator() = default;

int QuantGanGenerator::warmup() const { return receptive_field(impl_->model.config) - 1; }
int QuantGanGenerator::noise_channels() const { return impl_->model.config.noise_channels; }
int QuantGanGenerator::regimes() const { return impl_->model.regimes; }
int QuantGanGenerator::series() const { return impl_->model.series; }

Matrix QuantGanGenerator::generate(const Matrix& noise, const std::vector<int>& regime) const {
  return impl_->backend->generate(noise, regime);
}

bool attention_available() { return torch_available(); }

AttentionModel initial_attention_model(const AttentionSpec& spec, std::uint64_t seed) {
  return torch_module::table().initial_attention_model(spec, seed);
}

Matrix attention_probabilities(const AttentionModel& model, const std::vector<Matrix>& windows) {
  return torch_module::table().attention_probabilities(model, windows);
}

AttentionFit train_attention(const std::vector<Matrix>& windows, const std::vector<int>& labels,
                             const AttentionSpec& spec, const AttentionTraining& training,
                             const std::vector<std::string>& feature_names,
                             const std::vector<std::string>& class_names) {
  return torch_module::table().train_attention(windows, labels, spec, training, feature_names,
                                               class_names);
}

ScaleModel train_scale_network(const Matrix& X, const Vector& residual,
                               const ScaleNetworkConfig& config) {
  return torch_module::table().train_scale_network(X, residual, config);
}

Vector predict_scale(const ScaleModel& model, const Matrix& X) {
  return torch_module::table().predict_scale(model, X);
}

OutOfFoldScale out_of_fold_scale(const Matrix& X, const Vector& residual,
                                 const std::vector<ScaleFold>& folds,
                                 const ScaleNetworkConfig& config) {
  return torch_module::table().out_of_fold_scale(X, residual, folds, config);
}

}  // namespace mre::neural
