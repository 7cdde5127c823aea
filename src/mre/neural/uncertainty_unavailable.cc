// See uncertainty.h: a build without LibTorch (MRE_TORCH off). Every call that needs the network
// is Unsupported, naming what is missing.
#include <string>

#include "mre/core/error.h"
#include "mre/neural/uncertainty.h"

namespace mre::neural {

namespace {
[[noreturn]] void unsupported() {
  throw Error(ErrorCode::kUnsupported,
              "uncertainty: the neural scale network needs LibTorch, which this build has not "
              "(install Debian's libtorch-dev and configure with -DMRE_TORCH=ON)");
}
}  // namespace

std::size_t scale_parameter_count(int inputs, int hidden) {
  const auto f = static_cast<std::size_t>(inputs);
  const auto h = static_cast<std::size_t>(hidden);
  return f * h + h + h + 1;
}

ScaleModel train_scale_network(const Matrix&, const Vector&, const ScaleNetworkConfig&) {
  unsupported();
}
Vector predict_scale(const ScaleModel&, const Matrix&) { unsupported(); }
OutOfFoldScale out_of_fold_scale(const Matrix&, const Vector&, const std::vector<ScaleFold>&,
                                 const ScaleNetworkConfig&) {
  unsupported();
}

}  // namespace mre::neural
