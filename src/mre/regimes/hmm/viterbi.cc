// Viterbi decoding: delta_t(j) = max_i [delta_{t-1}(i) + log A(i, j)] + log b_t(j), then backtrack.
#include "mre/regimes/hmm/viterbi.h"

#include <cmath>
#include <limits>

#include "mre/core/check.h"

namespace mre::regimes::hmm {

ViterbiResult viterbi(const Matrix& log_emission, const Matrix& transition, const Vector& initial) {
  const Eigen::Index T = log_emission.rows();
  const Eigen::Index K = log_emission.cols();
  check_arg(T >= 1, "log_emission", "must have at least one row");
  check_arg(transition.rows() == K && transition.cols() == K, "transition", "must be K x K");
  const Matrix log_a = transition.array().log();
  Vector delta = initial.array().log().matrix() + log_emission.row(0).transpose();
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> back(T, K);
  Vector next(K);
  for (Eigen::Index t = 1; t < T; ++t) {
    for (Eigen::Index j = 0; j < K; ++j) {
      double best = -std::numeric_limits<double>::infinity();
      int arg = 0;
      for (Eigen::Index i = 0; i < K; ++i) {
        const double v = delta(i) + log_a(i, j);
        if (v > best) {
          best = v;
          arg = static_cast<int>(i);
        }
      }
      next(j) = best + log_emission(t, j);
      back(t, j) = arg;
    }
    delta.swap(next);
  }
  ViterbiResult out;
  out.path.resize(static_cast<std::size_t>(T));
  Eigen::Index last = 0;
  out.log_probability = delta.maxCoeff(&last);
  out.path.back() = static_cast<int>(last);
  for (Eigen::Index t = T - 1; t >= 1; --t) {
    out.path[static_cast<std::size_t>(t - 1)] = back(t, out.path[static_cast<std::size_t>(t)]);
  }
  return out;
}

}  // namespace mre::regimes::hmm
