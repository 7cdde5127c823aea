// Scaled forward-backward (Rabiner 1989, section V.A), O(T K^2).
#include "mre/regimes/hmm/forward_backward.h"

#include <cmath>
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
  // Forward: alpha_hat_t = (A' alpha_hat_{t-1}) .* b_t / c_t. K is small: plain loops over
  // contiguous columns beat Eigen's dynamic-size matrix-vector dispatch here.
  Matrix alpha(K, T);
  Matrix beta(K, T);
  Matrix w(K, T);
  const double* a = transition.data();  // column-major: a[i + j K] = A(i, j)
  double* alpha_data = alpha.data();
  const double* b_data = b.data();
  for (Eigen::Index k = 0; k < K; ++k) alpha_data[k] = initial(k) * b_data[k];
  for (Eigen::Index t = 0; t < T; ++t) {
    double* now = alpha_data + t * K;
    const double* emission = b_data + t * K;
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
    check_invariant(c > 0, "an observation has zero density under every reachable state");
    const double inverse = 1.0 / c;
    for (Eigen::Index k = 0; k < K; ++k) now[k] *= inverse;
    scale(t) = c;
  }
  out.log_likelihood += scale.array().log().sum();
  // Backward: beta_hat_{t-1} = A (b_t .* beta_hat_t) / c_t; w_t = b_t .* beta_hat_t / c_t.
  double* beta_data = beta.data();
  double* w_data = w.data();
  for (Eigen::Index k = 0; k < K; ++k) beta_data[(T - 1) * K + k] = 1.0;
  for (Eigen::Index t = T - 1; t >= 1; --t) {
    double* wt = w_data + t * K;
    const double* bt = beta_data + t * K;
    const double* emission = b_data + t * K;
    const double inverse = 1.0 / scale(t);
    for (Eigen::Index k = 0; k < K; ++k) wt[k] = emission[k] * bt[k] * inverse;
    double* previous = beta_data + (t - 1) * K;
    for (Eigen::Index i = 0; i < K; ++i) {
      double sum = 0;
      for (Eigen::Index j = 0; j < K; ++j) sum += a[i + j * K] * wt[j];
      previous[i] = sum;
    }
  }
  // xi summed over t: A .* (sum_t alpha_hat_{t-1} w_t').
  if (T > 1) {
    out.transition_counts.noalias() = alpha.leftCols(T - 1) * w.rightCols(T - 1).transpose();
    out.transition_counts.array() *= transition.array();
  } else {
    out.transition_counts = Matrix::Zero(K, K);
  }
  Matrix gamma = alpha.cwiseProduct(beta);
  // Exact in theory; renormalise against rounding.
  for (Eigen::Index t = 0; t < T; ++t) gamma.col(t) /= gamma.col(t).sum();
  out.filtered = alpha.transpose();
  out.smoothed = gamma.transpose();
  return out;
}

}  // namespace mre::regimes::hmm
