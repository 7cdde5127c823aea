// Cross-fitting splits. Time series: K contiguous test blocks, with `embargo` rows dropped from
// the training set on each side of the test block (so no training row's outcome window, of
// length up to `embargo`, overlaps the test block). i.i.d. data: shuffled K-fold.
#pragma once

#include <cstdint>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::causal {

struct Fold {
  std::vector<Eigen::Index> train;
  std::vector<Eigen::Index> test;
};

// Test blocks of sizes n/k (the first n % k one row longer), in time order. InvalidArgument
// when k < 2, k > n, or the embargo leaves a fold without training rows.
std::vector<Fold> contiguous_folds(Eigen::Index n, int k, int embargo);
std::vector<Fold> shuffled_folds(Eigen::Index n, int k, std::uint64_t seed);

// The rows of a fold.
Matrix take_rows(const Matrix& m, const std::vector<Eigen::Index>& index);
Vector take_rows(const Vector& v, const std::vector<Eigen::Index>& index);

}  // namespace mre::causal
