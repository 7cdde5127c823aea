// Register-blocked loops with K fixed at compile time for the usual state counts (the inner
// loops over states then vectorise without remainders); other K use the general product.
#include "mre/regimes/hmm/design_products.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "mre/core/check.h"

namespace mre::regimes::hmm {
namespace {

// Observations handled together: kRows columns of the design share each load of a weight row.
constexpr Eigen::Index kRows = 4;

template <int K>
void weights_times_design_fixed(const Matrix& weights, const Matrix& design, Matrix& out) {
  const Eigen::Index P = design.rows();
  const Eigen::Index T = design.cols();
  // Weights transposed, P x K row-major: the K weights of design row p are contiguous.
  std::vector<double> wt(static_cast<std::size_t>(P * K));
  for (Eigen::Index p = 0; p < P; ++p) {
    for (int k = 0; k < K; ++k) wt[static_cast<std::size_t>(p * K + k)] = weights(k, p);
  }
  const double* f = design.data();
  double* o = out.data();
  Eigen::Index t = 0;
  for (; t + kRows <= T; t += kRows) {
    double acc[kRows][K] = {};
    const double* column = f + t * P;
    for (Eigen::Index p = 0; p < P; ++p) {
      const double* w = wt.data() + p * K;
      for (Eigen::Index r = 0; r < kRows; ++r) {
        const double x = column[r * P + p];
        for (int k = 0; k < K; ++k) acc[r][k] += x * w[k];
      }
    }
    for (Eigen::Index r = 0; r < kRows; ++r) {
      for (int k = 0; k < K; ++k) o[(t + r) * K + k] = acc[r][k];
    }
  }
  for (; t < T; ++t) {
    double acc[K] = {};
    const double* column = f + t * P;
    for (Eigen::Index p = 0; p < P; ++p) {
      for (int k = 0; k < K; ++k) acc[k] += column[p] * wt[static_cast<std::size_t>(p * K + k)];
    }
    for (int k = 0; k < K; ++k) o[t * K + k] = acc[k];
  }
}

// Observations per block: a block of the design (P x kBlock) stays in cache while every group
// of design rows passes over it.
constexpr Eigen::Index kBlock = 256;
// Design rows handled together (their K accumulators each stay in registers).
constexpr Eigen::Index kGroup = 4;

template <int K>
void design_times_responsibilities_fixed(const Matrix& design, const Matrix& responsibilities,
                                         Matrix& out) {
  const Eigen::Index P = design.rows();
  const Eigen::Index T = design.cols();
  const double* f = design.data();
  const double* g = responsibilities.data();
  // Accumulate in a row-major P x K buffer, transposed into `out` at the end.
  std::vector<double> sum(static_cast<std::size_t>(P * K), 0.0);
  for (Eigen::Index start = 0; start < T; start += kBlock) {
    const Eigen::Index end = std::min(T, start + kBlock);
    Eigen::Index p = 0;
    for (; p + kGroup <= P; p += kGroup) {
      double acc[kGroup][K] = {};
      for (Eigen::Index t = start; t < end; ++t) {
        const double* x = f + t * P + p;
        const double* gt = g + t * K;
        for (Eigen::Index r = 0; r < kGroup; ++r) {
          for (int k = 0; k < K; ++k) acc[r][k] += x[r] * gt[k];
        }
      }
      for (Eigen::Index r = 0; r < kGroup; ++r) {
        for (int k = 0; k < K; ++k) sum[static_cast<std::size_t>((p + r) * K + k)] += acc[r][k];
      }
    }
    for (; p < P; ++p) {
      double acc[K] = {};
      for (Eigen::Index t = start; t < end; ++t) {
        for (int k = 0; k < K; ++k) acc[k] += f[t * P + p] * g[t * K + k];
      }
      for (int k = 0; k < K; ++k) sum[static_cast<std::size_t>(p * K + k)] += acc[k];
    }
  }
  for (Eigen::Index p = 0; p < P; ++p) {
    for (int k = 0; k < K; ++k) out(p, k) = sum[static_cast<std::size_t>(p * K + k)];
  }
}

template <typename Fixed, typename General>
void dispatch(Eigen::Index K, Fixed&& fixed, General&& general) {
  switch (K) {
    case 2:
      fixed(std::integral_constant<int, 2>());
      break;
    case 3:
      fixed(std::integral_constant<int, 3>());
      break;
    case 4:
      fixed(std::integral_constant<int, 4>());
      break;
    case 5:
      fixed(std::integral_constant<int, 5>());
      break;
    case 6:
      fixed(std::integral_constant<int, 6>());
      break;
    case 7:
      fixed(std::integral_constant<int, 7>());
      break;
    case 8:
      fixed(std::integral_constant<int, 8>());
      break;
    default:
      general();
      break;
  }
}

}  // namespace

void weights_times_design(const Matrix& weights, const Matrix& design, Matrix& out) {
  check_arg(weights.cols() == design.rows(), "weights", "must have one column per design row");
  out.resize(weights.rows(), design.cols());
  dispatch(
      weights.rows(),
      [&](auto k) { weights_times_design_fixed<decltype(k)::value>(weights, design, out); },
      [&] { out.noalias() = weights * design; });
}

void design_times_responsibilities(const Matrix& design, const Matrix& responsibilities,
                                   Matrix& out) {
  check_arg(responsibilities.cols() == design.cols(), "responsibilities",
            "must have one column per observation");
  out.resize(design.rows(), responsibilities.rows());
  dispatch(
      responsibilities.rows(),
      [&](auto k) {
        design_times_responsibilities_fixed<decltype(k)::value>(design, responsibilities, out);
      },
      [&] { out.noalias() = design * responsibilities.transpose(); });
}

}  // namespace mre::regimes::hmm
