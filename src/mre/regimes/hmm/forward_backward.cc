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

  // Forward with scales c_t: alpha_hat_t = (alpha_hat_{t-1} A .* b_t) / c_t.
  Matrix b(T, K);  // shifted emission densities
  Vector scale(T);
  ForwardBackwardResult out;
  out.filtered.resize(T, K);
  RowVector row;
  for (Eigen::Index t = 0; t < T; ++t) {
    const double shift = shifted_exp(log_emission.row(t), row);
    b.row(t) = row;
    Vector joint = t == 0 ? Vector(initial.cwiseProduct(row.transpose()))
                          : Vector((transition.transpose() * out.filtered.row(t - 1).transpose())
                                       .cwiseProduct(row.transpose()));
    scale(t) = joint.sum();
    check_invariant(scale(t) > 0, "an observation has zero density under every reachable state");
    out.filtered.row(t) = (joint / scale(t)).transpose();
    out.log_likelihood += std::log(scale(t)) + shift;
  }
  // Backward: beta_hat_t = A (b_{t+1} .* beta_hat_{t+1}) / c_{t+1}; gamma = alpha_hat .* beta_hat.
  Matrix beta(T, K);
  beta.row(T - 1).setOnes();
  out.transition_counts = Matrix::Zero(K, K);
  for (Eigen::Index t = T - 1; t >= 1; --t) {
    const RowVector weighted = b.row(t).cwiseProduct(beta.row(t)) / scale(t);
    beta.row(t - 1) = (transition * weighted.transpose()).transpose();
    // xi_t(i, j) = alpha_hat_{t-1}(i) A(i, j) b_t(j) beta_hat_t(j) / c_t
    out.transition_counts.noalias() += out.filtered.row(t - 1).transpose() * weighted;
  }
  out.transition_counts = out.transition_counts.cwiseProduct(transition);
  out.smoothed = out.filtered.cwiseProduct(beta);
  // Exact in theory; renormalise rows against rounding.
  for (Eigen::Index t = 0; t < T; ++t) out.smoothed.row(t) /= out.smoothed.row(t).sum();
  return out;
}

}  // namespace mre::regimes::hmm
