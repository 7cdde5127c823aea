// The EM path's hand-written products against Eigen's general product, for every state count
// they specialise and one they do not, and for lengths that leave a remainder in each blocking.
#include "mre/regimes/hmm/design_products.h"

#include <gtest/gtest.h>

#include <random>

namespace mre::regimes::hmm {
namespace {

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Matrix m(rows, cols);
  for (auto& v : m.reshaped()) v = z(rng);
  return m;
}

TEST(DesignProducts, EqualTheGeneralProductForEveryStateCount) {
  // P = 66 is the design of D = 10 features; 13 and 1 leave remainders in the row groups; the
  // lengths leave remainders in the 4-observation and 256-observation blocks.
  for (const Eigen::Index P : {66, 13, 1}) {
    for (const Eigen::Index T : {1, 3, 4, 257, 1000}) {
      for (const Eigen::Index K : {2, 3, 4, 5, 6, 7, 8, 9, 12}) {
        const Matrix design = random_matrix(P, T, static_cast<std::uint64_t>(P * 1000 + T));
        const Matrix weights = random_matrix(K, P, static_cast<std::uint64_t>(K));
        const Matrix gamma = random_matrix(K, T, static_cast<std::uint64_t>(K + 7));
        Matrix got;
        weights_times_design(weights, design, got);
        const Matrix want = weights * design;
        // Sums of P products in another order: rounding of order P * eps * |terms|.
        EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12 * static_cast<double>(P) * 10)
            << "P " << P << " T " << T << " K " << K;
        design_times_responsibilities(design, gamma, got);
        const Matrix want_moments = design * gamma.transpose();
        EXPECT_LT((got - want_moments).cwiseAbs().maxCoeff(), 1e-12 * static_cast<double>(T) * 10)
            << "P " << P << " T " << T << " K " << K;
      }
    }
  }
}

TEST(DesignProducts, RefuseMismatchedShapes) {
  Matrix out;
  EXPECT_ANY_THROW(weights_times_design(Matrix::Zero(3, 5), Matrix::Zero(6, 10), out));
  EXPECT_ANY_THROW(design_times_responsibilities(Matrix::Zero(6, 10), Matrix::Zero(3, 9), out));
}

}  // namespace
}  // namespace mre::regimes::hmm
