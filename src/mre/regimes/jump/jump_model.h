// Statistical jump models: the discrete jump model (Nystrup, Lindström & Madsen 2020, "Learning
// hidden Markov models with persistent states by penalizing jumps", Expert Systems with
// Applications 150) and the continuous jump model (Aydınhan, Kolm, Mulvey & Shu 2024,
// "Identifying patterns in financial markets: extending the statistical jump model for regime
// identification", Annals of Operations Research), fitted by coordinate descent from k-means++
// starts, and their online (forward-only) inference. Knows nothing of dates or stores.
#pragma once

#include <cstdint>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::regimes::jump {

// The dynamic programme of both models on a loss matrix L (T x N: the loss of each candidate
// state at each row) and a penalty matrix P (N x N: P(i, j) the cost of moving from state i to j):
//   minimise over s_0..s_{T-1}:  sum_t L(t, s_t) + sum_{t>=1} P(s_{t-1}, s_t)
// Forward values V(0, k) = L(0, k), V(t, k) = L(t, k) + min_j (V(t-1, j) + P(j, k)); the optimal
// path ends in argmin_k V(T-1, k) and is traced back by s_{t-1} = argmin_j (V(t-1, j) + P(j, s_t))
// (Bellman 1957; the Viterbi recursion of an HMM in negative-log space with P = -log transition).
// V(t, .) depends on rows 0..t only: it is what the online inference uses.
// REQUIRES: L finite with T >= 1 rows; P square with L's column count, finite. Ties go to the
// lower state index.
struct DpSolution {
  std::vector<int> states;  // T optimal states (columns of L)
  double objective = 0.0;   // the minimum
};
DpSolution solve_dp(const Matrix& loss, const Matrix& penalty);
Matrix forward_values(const Matrix& loss, const Matrix& penalty);

struct JumpModelConfig {
  int n_states = 2;  // K, the number of regimes (centroids)
  double jump_penalty =
      0.0;  // lambda >= 0: the cost of one switch (discrete) or of a full jump (continuous)
  bool continuous = false;  // false: the discrete JM; true: the continuous JM on a simplex grid
  double grid_size = 0.05;  // continuous: the probability grid's step, 1/m for a whole m
  bool mode_loss = true;    // continuous: Aydınhan et al.'s mode loss (see penalty_matrix)
  int n_init = 10;          // k-means++ starts; the lowest objective wins
  int max_iter = 1000;      // coordinate-descent iterations per start
  double tol = 1e-8;        // stop when the objective falls by less (or the states repeat)
  std::uint64_t seed = 42;  // start r uses k-means++ with seed + r
};

struct JumpModelFit {
  // K x D centroids theta_k. A state that no row takes in the final solution (an "empty" state:
  // at a high jump penalty one regime can explain the whole window) has no centroid: its row is
  // NaN, it is listed in empty_states, and inference never assigns it (as in Shu's `jumpmodels`,
  // which sets such centroids to NaN and their loss to infinity). Before 2026-12-07 it kept its
  // k-means++ start, a random row, and online labels could take it.
  Matrix centers;
  std::vector<int> states;  // T optimal states of the DP (grid indices when continuous)
  Matrix probabilities;     // T x K: one-hot (discrete) or the grid vector (continuous)
  std::vector<int> labels;  // T regimes: argmax of each probability row (lower index on ties)
  double objective = 0.0;   // the fitted objective (see fit)
  int iterations = 0;       // of the winning start
  bool converged = false;   // the winning start stopped before max_iter
  int best_start = 0;       // which start won
  std::vector<double> objective_trace{};  // winning start: the objective after each state update
  std::vector<int> empty_states{};        // states with no weight in the final solution, ascending
};

// What inference under a fitted model needs: the settings, the centroids, and the map of raw
// data into the space the centroids live in, x -> (x - mean) / scale per column.
struct JumpModelParams {
  JumpModelConfig config{};
  Matrix centers{};  // K x D; an empty state's row is NaN (see JumpModelFit::centers)
  Vector mean{};     // D (zeros when the data were not standardised)
  Vector scale{};    // D, > 0 (ones when not standardised)
};
// (raw - mean) / scale, row by row. REQUIRES: mean and scale of the data's width, scale > 0.
Matrix standardise(const Matrix& raw, const JumpModelParams& params);

// The candidate states: the K unit vectors (discrete, N = K) or every probability vector on the
// simplex with coordinates in {0, 1/m, ..., 1}, m = round(1 / grid_size) (continuous,
// N = C(m + K - 1, K - 1)), unit vectors first in the discrete order. N x K.
// REQUIRES: grid_size in (0, 1] with 1/grid_size a whole number (to 1e-9); N <= kMaxGridPoints.
inline constexpr int kMaxGridPoints = 2000;
Matrix candidate_states(const JumpModelConfig& config);

// The jump penalty between candidate states: discrete P(i, j) = lambda [i != j] (Nystrup et al.
// 2020); continuous P(i, j) = lambda / 4 * ||p_i - p_j||_1^2 (Aydınhan et al. 2024, the
// CJM objective, so a jump between two vertices costs lambda as in the discrete model), plus,
// with mode_loss, the row constant c_i = log sum_j exp(-P0(i, j)) - log sum_j exp(-P0(0, j)) that
// makes every row of exp(-P) sum to the same value (so P is the negative log of a transition
// matrix up to one constant; Aydınhan et al.'s mode loss, as in their `jumpmodels` package).
// REQUIRES: jump_penalty >= 0 and finite.
Matrix penalty_matrix(const JumpModelConfig& config, const Matrix& candidates);

// The states whose centroid row holds a NaN (empty states), ascending.
std::vector<int> empty_states_of(const Matrix& centers);

// The order that sorts a fit's states by their centroid in `column` (ascending, or descending),
// empty states (NaN centroids) last in either direction, ties kept in index order: order[k] is the
// state that becomes state k (permute_states).
std::vector<int> order_states(const Matrix& centers, Eigen::Index column, bool descending);

// Loss of each candidate state at each row: l(x_t, theta_k) = 1/2 ||x_t - theta_k||^2 (the
// scaling of Aydınhan et al. 2024 and Shu, Yu & Mulvey 2024, so their lambda values carry over;
// Nystrup et al. 2020 write ||x - theta||^2, i.e. twice this, so their lambda is twice ours), and
// for a probability vector p the mixture sum_k p_k l(x_t, theta_k). Each row from that row alone.
// T x N. REQUIRES: centers finite (inference drops the candidates of empty states first).
Matrix state_loss(const Matrix& data, const Matrix& centers, const Matrix& candidates);

// The objective of a state sequence (indices into candidates) under given centroids:
// sum_t loss(t, s_t) + sum_{t>=1} P(s_{t-1}, s_t).
double objective(const Matrix& data, const Matrix& centers, const std::vector<int>& states,
                 const JumpModelConfig& config);

// Coordinate descent (Nystrup et al. 2020; Aydınhan et al. 2024): from
// initial centroids, alternate (a) the optimal state sequence given the centroids (solve_dp on
// state_loss and penalty_matrix) and (b) the centroids given the states (the mean of the rows in
// each state; for the continuous model the probability-weighted mean; a state with no weight keeps
// its centroid while the descent runs). Each step can only lower the objective, so it never
// increases. Stops when the states repeat, the objective falls by less than tol, or after max_iter
// updates; a state with no weight in the final solution is then empty (NaN centroid).
// REQUIRES: data T x D finite (DataError naming the row and column otherwise), T >= n_states >= 1.
JumpModelFit fit_from(const Matrix& data, const Matrix& initial_centers,
                      const JumpModelConfig& config);
// Best of n_init starts by objective (the first one on ties), each from kmeans++ with seed + r.
JumpModelFit fit(const Matrix& data, const JumpModelConfig& config);

// Online inference: the state at row t is argmin_k V(t, k) of the forward values under fixed
// centroids, so it uses rows 0..t only (the online inference of Shu, Yu & Mulvey 2024, arXiv
// 2402.05272). A state inferred at the close of day t can be traded at t + delay at the earliest
// (delay >= 1 for the next day's return); tradable_labels shifts for that. Candidates that give
// weight to an empty state (a NaN centroid) are left out of the programme, so it is never
// assigned. REQUIRES: at least one finite centroid row.
struct OnlineInference {
  std::vector<int> states;  // grid indices (continuous) or regimes (discrete)
  Matrix probabilities;     // T x K
  std::vector<int> labels;  // argmax of each probability row
};
OnlineInference infer_online(const Matrix& data, const Matrix& centers,
                             const JumpModelConfig& config);
// The smoothed states under fixed centroids: the whole-sample DP path (uses rows after t; a
// diagnostic, never for decisions).
OnlineInference infer_smoothed(const Matrix& data, const Matrix& centers,
                               const JumpModelConfig& config);

// The regime that may be acted on at row t: labels[t - delay], -1 for the first delay rows.
// REQUIRES: delay >= 0.
std::vector<int> tradable_labels(const std::vector<int>& labels, int delay);

}  // namespace mre::regimes::jump
