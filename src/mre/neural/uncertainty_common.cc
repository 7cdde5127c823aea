// See uncertainty.h: the parts that need no LibTorch (sizes), compiled in every build.
#include <cstddef>

#include "mre/neural/uncertainty.h"

namespace mre::neural {

std::size_t scale_parameter_count(int inputs, int hidden) {
  const auto f = static_cast<std::size_t>(inputs);
  const auto h = static_cast<std::size_t>(hidden);
  return f * h + h + h + 1;
}

}  // namespace mre::neural
