// See surrogates.h.
#include "mre/causal/surrogates.h"

#include <cmath>
#include <random>
#include <string>

#include "mre/core/error.h"

namespace mre::causal {

Vector stationary_block_bootstrap(const Vector& x, double mean_block, std::uint64_t seed) {
  if (!(mean_block >= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument, "block: the mean block length must be >= 1 (got " +
                                                 std::to_string(mean_block) + ")");
  }
  const Eigen::Index n = x.size();
  if (n == 0) throw Error(ErrorCode::kInvalidArgument, "series: empty");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<Eigen::Index> start(0, n - 1);
  std::bernoulli_distribution restart(1.0 / mean_block);
  Vector out(n);
  Eigen::Index position = start(rng);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (i > 0) position = restart(rng) ? start(rng) : (position + 1) % n;
    out(i) = x(position);
  }
  return out;
}

double surrogate_p_value(double observed, const std::vector<double>& surrogates) {
  if (surrogates.size() < 20) {
    throw Error(ErrorCode::kInvalidArgument, "surrogates: at least 20 are needed (got " +
                                                 std::to_string(surrogates.size()) + ")");
  }
  std::size_t at_least = 0;
  for (const double s : surrogates) at_least += std::abs(s) >= std::abs(observed);
  return (1.0 + static_cast<double>(at_least)) / (1.0 + static_cast<double>(surrogates.size()));
}

}  // namespace mre::causal
