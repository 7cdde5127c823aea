// Regime-dependent transmission (issue 20): each structural equation's coefficients per regime of
// a regime version, and the regime paths the model runs along.
//
// Estimation: for regime k, every equation by weighted least squares with the regime's filtered
// probabilities p_t(k) as weights, beta_k = argmin sum_t p_t(k) (x_t - z_t' beta)^2 - the M-step
// of a Markov-switching regression whose regime probabilities are given (Hamilton 1990, "Analysis
// of time series subject to changes in regime", J. Econometrics 45, eq. (4.7); Kim & Nelson 1999,
// section 4.4). The probabilities come from another model (a stored regime version), so they are
// not re-estimated here. Running the model: row t uses the coefficients of its regime s_t (the
// observed path: the most likely regime of each day; or a path drawn from a transition matrix).
#pragma once

#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/scm/random.h"
#include "mre/scm/scm.h"

namespace mre::scm {

// REQUIRES: data as for fit(); probabilities T x K (row t: the regimes' probabilities on row t,
// finite, >= 0; row 0 unused), labels K names. DataError naming the regime (and node) whose
// probabilities sum to too few days to estimate an equation.
std::vector<Fitted> fit_by_regime(const Graph& graph, const Matrix& data,
                                  const Matrix& probabilities,
                                  const std::vector<std::string>& labels, int hac_lag = -1);

// The most likely regime of each row (ties: the first).
std::vector<int> most_likely_path(const Matrix& probabilities);

// The transition matrix of a path by counting: P(i, j) = n_ij / sum_j n_ij (rows 1.. of the path);
// a regime never left (no transition counted from it) stays: P(i, i) = 1.
Matrix transition_from_path(const std::vector<int>& path, int regimes);

// A path of `length` rows: row 0 = start, then s_t ~ P(s_{t-1}, .) by inversion of one uniform per
// row. REQUIRES: transition K x K, rows summing to 1; start in 0..K-1.
std::vector<int> draw_path(const Matrix& transition, int start, Eigen::Index length,
                           PathRandom& rng);

}  // namespace mre::scm
