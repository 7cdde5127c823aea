// See attention.h: a build without LibTorch (MRE_TORCH off). Every call that needs the network is
// Unsupported, naming what is missing.
#include <string>

#include "mre/core/error.h"
#include "mre/neural/attention.h"

namespace mre::neural {

namespace {
[[noreturn]] void unsupported() {
  throw Error(ErrorCode::kUnsupported,
              "neural attention model: this build has no LibTorch (install Debian's libtorch-dev "
              "and configure with -DMRE_TORCH=ON)");
}
}  // namespace

bool attention_available() { return false; }

AttentionModel initial_attention_model(const AttentionSpec&, std::uint64_t) { unsupported(); }

Matrix attention_probabilities(const AttentionModel&, const std::vector<Matrix>&) { unsupported(); }

AttentionFit train_attention(const std::vector<Matrix>&, const std::vector<int>&,
                             const AttentionSpec&, const AttentionTraining&,
                             const std::vector<std::string>&, const std::vector<std::string>&) {
  unsupported();
}

}  // namespace mre::neural
