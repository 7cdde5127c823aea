// Scaled forward-backward (Rabiner 1989, section V.A), O(T K^2).
#include "mre/regimes/hmm/forward_backward.h"

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "mre/core/check.h"

namespace mre::regimes::hmm {
namespace {

// An observation no state can explain is a data condition (an extreme or non-finite value
// reaching the model), not a bug: a data error naming the row, never an internal error.
[[noreturn]] void zero_density(Eigen::Index row, bool reachable) {
  const std::string which =
      row < 0 ? std::string("the observation")
              : "observation " + std::to_string(row) + " (0-based row of the model's input)";
  throw_error(
      ErrorCode::kDataError,
      which + " has zero density under every " + (reachable ? "reachable " : "") +
          "state: an extreme or non-finite value (check the inputs' scale, or standardise them)");
}

// b = exp(row - max(row)); returns max(row).
double shifted_exp(const RowVector& log_row, RowVector& out, Eigen::Index row) {
  const double shift = log_row.maxCoeff();
  if (!std::isfinite(shift)) zero_density(row, false);
  out = (log_row.array() - shift).exp();
  return shift;
}

Vector bayes(const Vector& predicted, const RowVector& log_emission_row, double* log_likelihood,
             Eigen::Index row) {
  RowVector b;
  const double shift = shifted_exp(log_emission_row, b, row);
  Vector joint = predicted.cwiseProduct(b.transpose());
  const double scale = joint.sum();
  if (!(scale > 0)) zero_density(row, true);
  if (log_likelihood) *log_likelihood += std::log(scale) + shift;
  return joint / scale;
}

}  // namespace

Vector first_step(const Vector& initial, const RowVector& log_emission_row,
                  double* log_likelihood) {
  return bayes(initial, log_emission_row, log_likelihood, -1);
}

Vector forward_step(const Vector& previous_filtered, const RowVector& log_emission_row,
                    const Matrix& transition, double* log_likelihood) {
  const Vector predicted = transition.transpose() * previous_filtered;
  return bayes(predicted, log_emission_row, log_likelihood, -1);
}

FilterResult forward_filter(const Matrix& log_emission, const Matrix& transition,
                            const Vector& initial) {
  const Eigen::Index T = log_emission.rows();
  const Eigen::Index K = log_emission.cols();
  check_arg(T >= 1, "log_emission", "must have at least one row");
  check_arg(transition.rows() == K && transition.cols() == K, "transition", "must be K x K");
  check_arg(initial.size() == K, "initial", "must have K entries");
  FilterResult out;
  out.filtered.resize(T, K);
  Vector current = bayes(initial, log_emission.row(0), &out.log_likelihood, 0);
  out.filtered.row(0) = current.transpose();
  for (Eigen::Index t = 1; t < T; ++t) {
    const Vector predicted = transition.transpose() * current;
    current = bayes(predicted, log_emission.row(t), &out.log_likelihood, t);
    out.filtered.row(t) = current.transpose();
  }
  return out;
}

namespace {

// Forward: alpha_hat_t = (A' alpha_hat_{t-1}) .* b_t / c_t; backward: beta_hat_{t-1} =
// A w_t with w_t = b_t .* beta_hat_t / c_t. Along the backward pass, the smoothed
// probabilities gamma_t = alpha_hat_t .* beta_hat_t (renormalised against rounding) overwrite
// beta_hat_t once it is used, and the expected transition counts accumulate
// sum_t alpha_hat_{t-1} w_t' (times A elementwise, by the caller). Column-major K x T buffers;
// a[i + j K] = A(i, j). KC > 0 fixes K at compile time.
template <int KC>
void recursions(Eigen::Index k_dynamic, Eigen::Index T, const double* a, const double* initial,
                const double* b, double* alpha, double* beta_then_gamma, double* counts,
                double* scale) {
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
    if (!(c > 0)) zero_density(t, true);
    const double inverse = 1.0 / c;
    for (Eigen::Index k = 0; k < K; ++k) now[k] *= inverse;
    scale[t] = c;
  }
  double* beta = beta_then_gamma;
  for (Eigen::Index k = 0; k < K * K; ++k) counts[k] = 0.0;
  for (Eigen::Index k = 0; k < K; ++k) beta[(T - 1) * K + k] = 1.0;
  constexpr Eigen::Index kStack = KC > 0 ? KC : 1;
  std::vector<double> heap(KC > 0 ? 0 : static_cast<std::size_t>(K));
  double stack[kStack];
  double* wt = KC > 0 ? stack : heap.data();
  for (Eigen::Index t = T - 1; t >= 0; --t) {
    double* bt = beta + t * K;
    const double* at = alpha + t * K;
    if (t >= 1) {
      const double* emission = b + t * K;
      const double inverse = 1.0 / scale[t];
      for (Eigen::Index k = 0; k < K; ++k) wt[k] = emission[k] * bt[k] * inverse;
      double* previous = beta + (t - 1) * K;
      for (Eigen::Index i = 0; i < K; ++i) {
        double sum = 0;
        for (Eigen::Index j = 0; j < K; ++j) sum += a[i + j * K] * wt[j];
        previous[i] = sum;
      }
      const double* before = at - K;
      for (Eigen::Index j = 0; j < K; ++j) {
        for (Eigen::Index i = 0; i < K; ++i) counts[i + j * K] += before[i] * wt[j];
      }
    }
    double total = 0;
    for (Eigen::Index k = 0; k < K; ++k) {
      bt[k] *= at[k];
      total += bt[k];
    }
    const double inverse_total = 1.0 / total;
    for (Eigen::Index k = 0; k < K; ++k) bt[k] *= inverse_total;
  }
}

}  // namespace

namespace {

// Time along columns throughout: b (K x T log emissions, turned into shifted densities in
// place), alpha (K x T, filtered); returns the smoothed probabilities K x T.
Matrix run_state_major(Matrix& b, const Matrix& transition, const Vector& initial, Matrix& alpha,
                       Matrix& transition_counts, double& log_likelihood) {
  const Eigen::Index K = b.rows();
  const Eigen::Index T = b.cols();
  check_arg(T >= 1, "log_emission", "must have at least one observation");
  check_arg(transition.rows() == K && transition.cols() == K, "transition", "must be K x K");
  check_arg(initial.size() == K, "initial", "must have K entries");
  Vector scale(T);
  const RowVector shift = b.colwise().maxCoeff();
  for (Eigen::Index t = 0; t < T; ++t)
    if (!std::isfinite(shift[t])) zero_density(t, false);
  b.rowwise() -= shift;
  b = b.array().exp();  // one vectorised pass over the whole K x T block
  log_likelihood = shift.sum();
  alpha.resize(K, T);
  Matrix gamma(K, T);
  transition_counts.resize(K, K);
  // The recursions with K known at compile time for the usual sizes, so the inner loops unroll.
  const auto run = [&](auto fixed) {
    recursions<decltype(fixed)::value>(K, T, transition.data(), initial.data(), b.data(),
                                       alpha.data(), gamma.data(), transition_counts.data(),
                                       scale.data());
  };
  switch (K) {
    case 2:
      run(std::integral_constant<int, 2>());
      break;
    case 3:
      run(std::integral_constant<int, 3>());
      break;
    case 4:
      run(std::integral_constant<int, 4>());
      break;
    case 5:
      run(std::integral_constant<int, 5>());
      break;
    case 6:
      run(std::integral_constant<int, 6>());
      break;
    case 8:
      run(std::integral_constant<int, 8>());
      break;
    default:
      run(std::integral_constant<int, 0>());
      break;
  }
  log_likelihood += scale.array().log().sum();
  // xi summed over t: A .* (sum_t alpha_hat_{t-1} w_t').
  transition_counts.array() *= transition.array();
  return gamma;
}

}  // namespace

ForwardBackwardResult forward_backward(const Matrix& log_emission, const Matrix& transition,
                                       const Vector& initial) {
  Matrix b = log_emission.transpose();
  Matrix alpha;
  ForwardBackwardResult out;
  const Matrix gamma =
      run_state_major(b, transition, initial, alpha, out.transition_counts, out.log_likelihood);
  out.filtered = alpha.transpose();
  out.smoothed = gamma.transpose();
  return out;
}

StateMajorPosterior forward_backward_state_major(Matrix log_emission, const Matrix& transition,
                                                 const Vector& initial) {
  Matrix alpha;
  StateMajorPosterior out;
  out.smoothed = run_state_major(log_emission, transition, initial, alpha, out.transition_counts,
                                 out.log_likelihood);
  return out;
}

}  // namespace mre::regimes::hmm
