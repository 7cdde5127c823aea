// Walk-forward regime models (MR-AI-04): refit on an expanding window every N months; the
// filtered probabilities at t come from the fit made on data strictly before t's refit date, so
// nothing at t depends on later data. State labels stay comparable across refits: each refit
// starts from the previous parameters and its states are matched to the previous fit's by the
// minimum-cost assignment of their means (Hungarian).
#pragma once

#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/regimes/hmm/gaussian_hmm.h"

namespace mre::regimes {

struct WalkForwardConfig {
  int refit_every_months = 6;         // MR-AI-04: semi-annual
  int min_train_rows = 504;           // rows before the first fit (two years of business days)
  int min_column_observations = 252;  // ... and each feature needs this many present values
};

struct Refit {
  Date date;         // first date the fit is used for
  std::size_t rows;  // rows it was fitted on (all before `date`)
  hmm::GaussianHmmFit fit;
  // Columns with at least min_column_observations values before `date`; the others are
  // marginalised: equal mean and variance in every state and no covariance, so they change no
  // state probability until a later refit has data for them.
  std::vector<int> active_columns{};
};

struct WalkForwardResult {
  Matrix filtered;            // T x K; NaN rows before the first refit date
  std::vector<Refit> refits;  // in date order, states already aligned to the first fit's
};

// The first fit comes once min_train_rows rows exist and at least one column has
// min_column_observations values; a column that starts later (e.g. an ETF launched in 2007) is
// marginalised until a refit has that many of its values, then joins (a fresh multi-start fit,
// aligned to the previous one on the columns both use). Refits with the same columns start
// from the previous parameters.
// REQUIRES: dates strictly increasing, one per row of data; some column reaching the minimum
// before the last row (DataError otherwise).
WalkForwardResult walk_forward_hmm(const std::vector<Date>& dates, const Matrix& data,
                                   const hmm::GaussianHmmConfig& config,
                                   const WalkForwardConfig& schedule);

// Reorders the states of `params` (means, covariances, initial, transition rows and columns)
// by `order`: new state k = old state order[k].
hmm::GaussianHmmParams permute_states(const hmm::GaussianHmmParams& params,
                                      const std::vector<int>& order);

// The order of `fitted`'s states matching `reference`'s (for permute_states): the minimum-cost
// assignment (Hungarian) of the parameter distance sum_d ((mu_ref,a,d - mu_fit,b,d) / scale_d)^2,
// so a retrained model's state k is the previous model's state k wherever the evidence allows.
// REQUIRES: the same number of states and features; scale > 0 per feature.
std::vector<int> align_states(const hmm::GaussianHmmParams& reference,
                              const hmm::GaussianHmmParams& fitted, const Vector& scale);

}  // namespace mre::regimes
