// Scaled forward-backward (Rabiner 1989, section V.A), O(T K^2).
#include "mre/regimes/hmm/forward_backward.h"

#include <cmath>
#include <type_traits>
#include <limits>

#include "mre/core/check.h"

namespace mre::regimes::hmm {
namespace {

// b = exp(row - max(row)); returns max(row).
double shifted_exp(const RowVector& log_row, RowVector& out) {
  const double shift = log_row.maxCoeff();
  check_invariant(std::isfinite(shift), "an observation has zero density under every state");
  out = (log_row.array() - shift).exp();
  return shift;
}

Vector bayes(const Vector& predicted, const RowVector& log_emission_row, double* log_likelihood) {
  RowVector b;
  const double shift = shifted_exp(log_emission_row, b);
  Vector joint = predicted.cwiseProduct(b.transpose());
  const double scale = joint.sum();
  check_invariant(scale > 0, "an observation has zero density under every reachable state");
  if (log_likelihood) *log_likelihood += std::log(scale) + shift;
  return joint / scale;
}

}  // namespace

Vector first_step(const Vector& initial, const RowVector& log_emission_row, double* log_likelihood) {
  return bayes(initial, log_emission_row, log_likelihood);
}

Vector forward_step(const Vector& previous_filtered, const RowVector& log_emission_row,
                    const Matrix& transition, double* log_likelihood) {
  const Vector predicted = transition.transpose() * previous_filtered;
  return bayes(predicted, log_emission_row, log_likelihood);
}

FilterResult forward_filter(const Matrix& log_emission, const Matrix& transition, const Vector& initial) {
  const Eigen::Index T = log_emission.rows();
  const Eigen::Index K = log_emission.cols();
  check_arg(T >= 1, "log_emission", "must have at least one row");
  check_arg(transition.rows() == K && transition.cols() == K, "transition", "must be K x K");
  check_arg(initial.size() == K, "initial", "must have K entries");
  FilterResult out;
  out.filtered.resize(T, K);
  Vector current = first_step(initial, log_emission.row(0), &out.log_likelihood);
  out.filtered.row(0) = current.transpose();
  for (Eigen::Index t = 1; t < T; ++t) {
    current = forward_step(current, log_emission.row(t), transition, &out.log_likelihood);
    out.filtered.row(t) = current.transpose();
  }
  return out;
}

namespace {

// Forward: alpha_hat_t = (A' alpha_hat_{t-1}) .* b_t / c_t; backward: beta_hat_{t-1} =
// A (b_t .* beta_hat_t) / c_t with w_t = b_t .* beta_hat_t / c_t. Column-major K x T buffers;
// a[i + j K] = A(i, j). KC > 0 fixes K at compile time.
template <int KC>
void recursions(Eigen::Index k_dynamic, Eigen::Index T, const double* a, const double* initial, const double* b,
                double* alpha, double* beta, double* w, double* scale) {
  const Eigen::Index K = KC > 0 ? KC : k_dynamic;
  for (Eigen::Index k = 0; k < K; ++k) alpha[k] = initial[k] * b[k];
  for (Eigen::Index t = 0; t < T; ++t) {
    double* now = alpha + t * K;
    const double* emission = b + t * K;
    if (t > 0) {
      const double* before = now - K;
      for (Eigen::Index j = 0; j < K; ++j) {
        double sum = 0;
        for (Eigen::Index i = 0; i < K; ++i) sum += a[i + j * K] * before[i];
        now[j] = sum * emission[j];
      }
    }
    double c = 0;
    for (Eigen::Index k = 0; k < K; ++k) c += now[k];
    if (!(c > 0)) check_invariant(false, "an observation has zero density under every reachable state");
    const double inverse = 1.0 / c;
    for (Eigen::Index k = 0; k < K; ++k) now[k] *= inverse;
    scale[t] = c;
  }
  for (Eigen::Index k = 0; k < K; ++k) beta[(T - 1) * K + k] = 1.0;
  for (Eigen::Index t = T - 1; t >= 1; --t) {
    double* wt = w + t * K;
    const double* bt = beta + t * K;
    const double* emission = b + t * K;
    const double inverse = 1.0 / scale[t];
    for (Eigen::Index k = 0; k < K; ++k) wt[k] = emission[k] * bt[k] * inverse;
    double* previous = beta + (t - 1) * K;
    for (Eigen::Index i = 0; i < K; ++i) {
      double sum = 0;
      for (Eigen::Index j = 0; j < K; ++j) sum += a[i + j * K] * wt[j];
      previous[i] = sum;
    }
  }
}

}  // namespace

ForwardBackwardResult forward_backward(const Matrix& log_emission, const Matrix& transition,
                                       const Vector& initial) {
  const Eigen::Index T = log_emission.rows();
  const Eigen::Index K = log_emission.cols();
  check_arg(T >= 1, "log_emission", "must have at least one row");
  check_arg(transition.rows() == K && transition.cols() == K, "transition", "must be K x K");
  check_arg(initial.size() == K, "initial", "must have K entries");
  // Internally time runs along columns (K x T), so each step touches contiguous memory.
  Matrix b = log_emission.transpose();
  Vector scale(T);
  ForwardBackwardResult out;
  const RowVector shift = b.colwise().maxCoeff();
  check_invariant(shift.allFinite(), "an observation has zero density under every state");
  b.rowwise() -= shift;
  b = b.array().exp();  // one vectorised pass over the whole K x T block
  out.log_likelihood += shift.sum();
  Matrix alpha(K, T);
  Matrix beta(K, T);
  Matrix w(K, T);
  // The recursions with K known at compile time for the usual sizes, so the inner loops unroll.
  const auto run = [&](auto fixed) {
    recursions<decltype(fixed)::value>(K, T, transition.data(), initial.data(), b.data(), alpha.data(),
                                       beta.data(), w.data(), scale.data());
  };
  switch (K) {
    case 2: run(std::integral_constant<int, 2>()); break;
    case 3: run(std::integral_constant<int, 3>()); break;
    case 4: run(std::integral_constant<int, 4>()); break;
    case 5: run(std::integral_constant<int, 5>()); break;
    case 6: run(std::integral_constant<int, 6>()); break;
    case 8: run(std::integral_constant<int, 8>()); break;
    default: run(std::integral_constant<int, 0>()); break;
  }
  out.log_likelihood += scale.array().log().sum();
  // xi summed over t: A .* (sum_t alpha_hat_{t-1} w_t').
  if (T > 1) {
    out.transition_counts.noalias() = alpha.leftCols(T - 1) * w.rightCols(T - 1).transpose();
    out.transition_counts.array() *= transition.array();
  } else {
    out.transition_counts = Matrix::Zero(K, K);
  }
  Matrix gamma = alpha.cwiseProduct(beta);
  // Exact in theory; renormalise against rounding.
  const RowVector totals = gamma.colwise().sum();
  gamma.array().rowwise() /= totals.array();
  out.filtered = alpha.transpose();
  out.smoothed = gamma.transpose();
  return out;
}

}  // namespace mre::regimes::hmm
