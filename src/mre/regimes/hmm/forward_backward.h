// Forward-backward and the forward filter for any HMM, given per-state log emission densities.
// Knows nothing of Gaussians. Scaled recursions (Rabiner 1989, "A tutorial on hidden Markov
// models", section V.A): alpha_hat_t = normalise((alpha_hat_{t-1} A) .* b_t), with
// b_t = exp(log_b_t - max_k log_b_t); log-likelihood = sum_t (log c_t + max_k log_b_t).
#pragma once

#include "mre/core/linalg.h"

namespace mre::regimes::hmm {

struct ForwardBackwardResult {
  Matrix filtered;           // T x K: P(s_t = k | y_1..t)
  Matrix smoothed;           // T x K: P(s_t = k | y_1..T)
  Matrix transition_counts;  // K x K: sum_t P(s_{t-1} = i, s_t = j | y_1..T)
  double log_likelihood = 0.0;
};

// REQUIRES: log_emission T x K (T >= 1; finite or -inf, a row not all -inf), transition K x K
// (rows sum to 1), initial K (sums to 1).
ForwardBackwardResult forward_backward(const Matrix& log_emission, const Matrix& transition,
                                       const Vector& initial);

// The same smoothing with time along columns: log_emission K x T (taken by value and reused
// as the work buffer). For EM, which needs neither the filtered probabilities nor T x K copies.
struct StateMajorPosterior {
  Matrix smoothed;           // K x T: P(s_t = k | y_1..T)
  Matrix transition_counts;  // K x K, as above
  double log_likelihood = 0.0;
};
StateMajorPosterior forward_backward_state_major(Matrix log_emission, const Matrix& transition,
                                                 const Vector& initial);

struct FilterResult {
  Matrix filtered;  // T x K
  double log_likelihood = 0.0;
};

// The forward pass only (filtered probabilities), starting from `initial` as P(s_1).
FilterResult forward_filter(const Matrix& log_emission, const Matrix& transition,
                            const Vector& initial);

// One step of the filter for a new observation: predicted = previous' A, then Bayes with the
// emission. Returns P(s_t | y_1..t) and adds log p(y_t | y_1..t-1) to *log_likelihood if given.
// The same step forward_filter uses, so live and batch agree bit for bit.
Vector forward_step(const Vector& previous_filtered, const RowVector& log_emission_row,
                    const Matrix& transition, double* log_likelihood = nullptr);

// The same step for the first observation, from the initial distribution.
Vector first_step(const Vector& initial, const RowVector& log_emission_row,
                  double* log_likelihood = nullptr);

}  // namespace mre::regimes::hmm
