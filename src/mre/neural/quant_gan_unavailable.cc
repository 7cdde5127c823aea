// See quant_gan.h: a build without LibTorch (MRE_TORCH off). Every call that needs the networks
// is Unsupported, naming what is missing.
#include <string>

#include "mre/core/error.h"
#include "mre/neural/quant_gan.h"

namespace mre::neural {

namespace {
[[noreturn]] void unsupported() {
  throw Error(ErrorCode::kUnsupported,
              "quantgan: this build has no LibTorch (install Debian's libtorch-dev and configure "
              "with -DMRE_TORCH=ON)");
}
}  // namespace

bool torch_available() { return false; }

QuantGanModel train_quant_gan(const Matrix&, const std::vector<int>&, int, const QuantGanConfig&) {
  unsupported();
}

struct QuantGanGenerator::Impl {};
QuantGanGenerator::QuantGanGenerator(const QuantGanModel&) { unsupported(); }
QuantGanGenerator::~QuantGanGenerator() = default;
int QuantGanGenerator::warmup() const { return 0; }
int QuantGanGenerator::noise_channels() const { return 0; }
int QuantGanGenerator::regimes() const { return 0; }
int QuantGanGenerator::series() const { return 0; }
Matrix QuantGanGenerator::generate(const Matrix&, const std::vector<int>&) const { unsupported(); }

}  // namespace mre::neural
