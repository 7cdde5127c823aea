// Regimes of an SCM's structural shocks, for the regime-conditional bootstrap (simulate.h's
// `regime-bootstrap`): each shock column is divided by its standard deviation, a K-state Gaussian
// HMM with diagonal covariances is fitted to the standardised shock vectors z_t (EM, Rabiner 1989,
// section III.C; regimes/hmm/gaussian_hmm.h) and each day takes its Viterbi state. States are
// then ordered by their mean squared standardised shock, (1/n_s) sum_{t: s_t = s} ||z_t||^2,
// calmest first, and the transition matrix is permuted to that order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::scm {

struct ShockRegimeConfig {
  int regimes = 2;         // K, 2..regimes::hmm::kMaxStates
  std::uint64_t seed = 7;  // the HMM's starts
};

struct ShockRegimes {
  std::vector<int> path{};           // per shock row: its regime, 0 the calmest
  Matrix transition;                 // K x K, P(s_t = b | s_{t-1} = a) in the ordered regimes
  std::vector<std::string> names{};  // "calm", "stressed" for K = 2; vol1..volK otherwise
};

// Each column divided by its population standard deviation (divisor n); a constant column is
// left as it is (divided by 1).
Matrix standardize_shocks(const Matrix& shocks);

// REQUIRES: shocks (rows = days, columns = equations) finite, more rows than regimes.
ShockRegimes fit_shock_regimes(const Matrix& shocks, const ShockRegimeConfig& config);

}  // namespace mre::scm
