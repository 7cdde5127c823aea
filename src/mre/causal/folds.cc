// See folds.h.
#include "mre/causal/folds.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {

std::vector<Fold> contiguous_folds(Eigen::Index n, int k, int embargo) {
  check_arg(k >= 2, "folds", "must be >= 2 (got " + std::to_string(k) + ")");
  check_arg(n >= k, "folds",
            "more folds (" + std::to_string(k) + ") than rows (" + std::to_string(n) + ")");
  check_arg(embargo >= 0, "embargo", "must be >= 0");
  std::vector<Fold> out;
  Eigen::Index start = 0;
  for (int f = 0; f < k; ++f) {
    const Eigen::Index size = n / k + (f < n % k ? 1 : 0);
    const Eigen::Index end = start + size;  // test = [start, end)
    Fold fold;
    for (Eigen::Index i = start; i < end; ++i) fold.test.push_back(i);
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i < start - embargo || i >= end + embargo) fold.train.push_back(i);
    }
    if (fold.train.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "embargo: " + std::to_string(embargo) + " rows on each side of fold " +
                      std::to_string(f + 1) + " leave no training data (" + std::to_string(n) +
                      " rows, " + std::to_string(k) + " folds)");
    }
    out.push_back(std::move(fold));
    start = end;
  }
  return out;
}

std::vector<Fold> shuffled_folds(Eigen::Index n, int k, std::uint64_t seed) {
  check_arg(k >= 2, "folds", "must be >= 2 (got " + std::to_string(k) + ")");
  check_arg(n >= k, "folds",
            "more folds (" + std::to_string(k) + ") than rows (" + std::to_string(n) + ")");
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Fold> out(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < order.size(); ++i)
    out[i % static_cast<std::size_t>(k)].test.push_back(order[i]);
  for (auto& fold : out) {
    std::sort(fold.test.begin(), fold.test.end());
    std::vector<bool> in_test(static_cast<std::size_t>(n), false);
    for (const auto i : fold.test) in_test[static_cast<std::size_t>(i)] = true;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!in_test[static_cast<std::size_t>(i)]) fold.train.push_back(i);
    }
  }
  return out;
}

Matrix take_rows(const Matrix& m, const std::vector<Eigen::Index>& index) {
  Matrix out(static_cast<Eigen::Index>(index.size()), m.cols());
  for (std::size_t i = 0; i < index.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) = m.row(index[i]);
  return out;
}

Vector take_rows(const Vector& v, const std::vector<Eigen::Index>& index) {
  Vector out(static_cast<Eigen::Index>(index.size()));
  for (std::size_t i = 0; i < index.size(); ++i) out(static_cast<Eigen::Index>(i)) = v(index[i]);
  return out;
}

}  // namespace mre::causal
