// Discrete and continuous jump models: the dynamic programme, coordinate descent from k-means++
// starts, and forward-only inference.
#include "mre/regimes/jump/jump_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/regimes/kmeans/kmeans.h"

namespace mre::regimes::jump {
namespace {

void check_loss_and_penalty(const Matrix& loss, const Matrix& penalty) {
  check_arg(loss.rows() >= 1 && loss.cols() >= 1, "loss",
            "must have at least one row and one column");
  check_arg(penalty.rows() == loss.cols() && penalty.cols() == loss.cols(), "penalty",
            "must be square with one row per column of the loss");
  check_arg(loss.allFinite(), "loss", "must be finite");
  check_arg(penalty.allFinite(), "penalty", "must be finite");
}

void check_data(const Matrix& data) {
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      if (!std::isfinite(data(t, d))) {
        throw Error(ErrorCode::kDataError, "jump model: column " + std::to_string(d) +
                                               " has a missing or non-finite value in row " +
                                               std::to_string(t) +
                                               " (drop or fill incomplete rows first)");
      }
    }
  }
}

void check_config(const JumpModelConfig& config) {
  check_arg(config.n_states >= 1, "n_states",
            "must be >= 1 (got " + std::to_string(config.n_states) + ")");
  check_arg(std::isfinite(config.jump_penalty) && config.jump_penalty >= 0, "jump_penalty",
            "must be a finite number >= 0 (got " + std::to_string(config.jump_penalty) + ")");
  check_arg(config.n_init >= 1, "n_init",
            "must be >= 1 (got " + std::to_string(config.n_init) + ")");
  check_arg(config.max_iter >= 1, "max_iter",
            "must be >= 1 (got " + std::to_string(config.max_iter) + ")");
  check_arg(std::isfinite(config.tol) && config.tol >= 0, "tol", "must be a finite number >= 0");
}

// Index of the first maximum of a row.
int first_argmax(const Matrix& m, Eigen::Index row) {
  Eigen::Index best = 0;
  for (Eigen::Index k = 1; k < m.cols(); ++k) {
    if (m(row, k) > m(row, best)) best = k;
  }
  return static_cast<int>(best);
}

std::vector<int> argmax_rows(const Matrix& m) {
  std::vector<int> out(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index t = 0; t < m.rows(); ++t) out[static_cast<std::size_t>(t)] = first_argmax(m, t);
  return out;
}

Matrix probabilities_of(const std::vector<int>& states, const Matrix& candidates) {
  Matrix out(static_cast<Eigen::Index>(states.size()), candidates.cols());
  for (std::size_t t = 0; t < states.size(); ++t)
    out.row(static_cast<Eigen::Index>(t)) = candidates.row(states[t]);
  return out;
}

// All compositions of m into K non-negative parts, in decreasing lexicographic order (so the
// first K rows are not the unit vectors in general: the caller reorders).
void compositions(int remaining, int part, std::vector<int>& current,
                  std::vector<std::vector<int>>& out) {
  const int K = static_cast<int>(current.size());
  if (part == K - 1) {
    current[static_cast<std::size_t>(part)] = remaining;
    out.push_back(current);
    return;
  }
  for (int v = remaining; v >= 0; --v) {
    current[static_cast<std::size_t>(part)] = v;
    compositions(remaining - v, part + 1, current, out);
  }
}

double binomial(int n, int k) {
  double r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

// The candidates inference may assign under `centers`: those giving no weight to an empty state
// (a NaN centroid row). Their indices into `candidates`, ascending.
std::vector<Eigen::Index> usable_candidates(const Matrix& centers, const Matrix& candidates) {
  const std::vector<int> empty = empty_states_of(centers);
  check_arg(static_cast<Eigen::Index>(empty.size()) < centers.rows(), "centers",
            "must have at least one finite row");
  std::vector<Eigen::Index> out;
  for (Eigen::Index i = 0; i < candidates.rows(); ++i) {
    bool usable = true;
    for (const int k : empty) usable = usable && candidates(i, k) == 0.0;
    if (usable) out.push_back(i);
  }
  return out;
}

// The centroids with an empty state's NaN row set to zero, for a state_loss whose candidates give
// that state no weight (so the row enters no term).
Matrix zero_empty_centroids(const Matrix& centers) {
  Matrix out = centers;
  for (const int k : empty_states_of(centers)) out.row(k).setZero();
  return out;
}

// The inference programme over the usable candidates only: the loss and penalty restricted to
// them, and the map back to the full candidate indices.
struct RestrictedProgramme {
  Matrix loss;
  Matrix penalty;
  std::vector<Eigen::Index> index;  // restricted candidate -> full candidate
};
RestrictedProgramme restricted_programme(const Matrix& data, const Matrix& centers,
                                         const Matrix& candidates, const Matrix& penalty) {
  RestrictedProgramme out;
  out.index = usable_candidates(centers, candidates);
  const auto n = static_cast<Eigen::Index>(out.index.size());
  const Matrix finite_centers = zero_empty_centroids(centers);  // their weight is 0 below
  Matrix sub_candidates(n, candidates.cols());
  out.penalty.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    sub_candidates.row(i) = candidates.row(out.index[static_cast<std::size_t>(i)]);
    for (Eigen::Index j = 0; j < n; ++j)
      out.penalty(i, j) =
          penalty(out.index[static_cast<std::size_t>(i)], out.index[static_cast<std::size_t>(j)]);
  }
  out.loss = state_loss(data, finite_centers, sub_candidates);
  return out;
}

}  // namespace

std::vector<int> empty_states_of(const Matrix& centers) {
  std::vector<int> out;
  for (Eigen::Index k = 0; k < centers.rows(); ++k) {
    if (centers.row(k).hasNaN()) out.push_back(static_cast<int>(k));
  }
  return out;
}

std::vector<int> order_states(const Matrix& centers, Eigen::Index column, bool descending) {
  check_arg(column >= 0 && column < centers.cols(), "column", "must name a centroid column");
  std::vector<int> order(static_cast<std::size_t>(centers.rows()));
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
  // NaN (an empty state) compares as after every number, so the order stays a strict weak one.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const double x = centers(a, column);
    const double y = centers(b, column);
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return descending ? x > y : x < y;
  });
  return order;
}

Matrix forward_values(const Matrix& loss, const Matrix& penalty) {
  check_loss_and_penalty(loss, penalty);
  const Eigen::Index T = loss.rows();
  const Eigen::Index N = loss.cols();
  Matrix values(T, N);
  values.row(0) = loss.row(0);
  for (Eigen::Index t = 1; t < T; ++t) {
    for (Eigen::Index k = 0; k < N; ++k) {
      double best = values(t - 1, 0) + penalty(0, k);
      for (Eigen::Index j = 1; j < N; ++j) best = std::min(best, values(t - 1, j) + penalty(j, k));
      values(t, k) = loss(t, k) + best;
    }
  }
  return values;
}

DpSolution solve_dp(const Matrix& loss, const Matrix& penalty) {
  const Matrix values = forward_values(loss, penalty);
  const Eigen::Index T = loss.rows();
  const Eigen::Index N = loss.cols();
  DpSolution out;
  out.states.assign(static_cast<std::size_t>(T), 0);
  Eigen::Index last = 0;
  for (Eigen::Index k = 1; k < N; ++k) {
    if (values(T - 1, k) < values(T - 1, last)) last = k;
  }
  out.states.back() = static_cast<int>(last);
  out.objective = values(T - 1, last);
  for (Eigen::Index t = T - 1; t > 0; --t) {
    const int next = out.states[static_cast<std::size_t>(t)];
    Eigen::Index best = 0;
    for (Eigen::Index j = 1; j < N; ++j) {
      if (values(t - 1, j) + penalty(j, next) < values(t - 1, best) + penalty(best, next)) best = j;
    }
    out.states[static_cast<std::size_t>(t - 1)] = static_cast<int>(best);
  }
  return out;
}

Matrix candidate_states(const JumpModelConfig& config) {
  check_arg(config.n_states >= 1, "n_states",
            "must be >= 1 (got " + std::to_string(config.n_states) + ")");
  const int K = config.n_states;
  if (!config.continuous) return Matrix::Identity(K, K);
  check_arg(config.grid_size > 0 && config.grid_size <= 1, "grid_size",
            "must be in (0, 1] (got " + std::to_string(config.grid_size) + ")");
  const double steps = 1.0 / config.grid_size;
  const int m = static_cast<int>(std::lround(steps));
  check_arg(std::abs(steps - m) <= 1e-9 * steps, "grid_size",
            "must be 1/m for a whole number m (got " + std::to_string(config.grid_size) + ")");
  const double points = binomial(m + K - 1, K - 1);
  check_arg(points <= kMaxGridPoints, "grid_size",
            "gives " + std::to_string(static_cast<long long>(points)) +
                " probability vectors for " + std::to_string(K) + " states, more than " +
                std::to_string(kMaxGridPoints) +
                " (the DP costs T x N^2): use a coarser grid or fewer states");
  std::vector<std::vector<int>> all;
  std::vector<int> current(static_cast<std::size_t>(K), 0);
  compositions(m, 0, current, all);
  // Unit vectors first (row k = e_k, so the grid's first K rows are the discrete model's states),
  // then the rest in the enumeration's order.
  Matrix out(static_cast<Eigen::Index>(all.size()), K);
  Eigen::Index row = K;
  for (const auto& c : all) {
    const auto vertex = std::find(c.begin(), c.end(), m);
    if (vertex != c.end()) {
      out.row(vertex - c.begin()).setZero();
      out(vertex - c.begin(), vertex - c.begin()) = 1.0;
      continue;
    }
    for (int k = 0; k < K; ++k)
      out(row, k) = static_cast<double>(c[static_cast<std::size_t>(k)]) / m;
    ++row;
  }
  return out;
}

Matrix penalty_matrix(const JumpModelConfig& config, const Matrix& candidates) {
  check_arg(std::isfinite(config.jump_penalty) && config.jump_penalty >= 0, "jump_penalty",
            "must be a finite number >= 0 (got " + std::to_string(config.jump_penalty) + ")");
  const Eigen::Index N = candidates.rows();
  Matrix penalty(N, N);
  for (Eigen::Index i = 0; i < N; ++i) {
    for (Eigen::Index j = 0; j < N; ++j) {
      const double l1 = (candidates.row(i) - candidates.row(j)).cwiseAbs().sum();
      penalty(i, j) = config.continuous ? config.jump_penalty / 4.0 * l1 * l1
                                        : (i == j ? 0.0 : config.jump_penalty);
    }
  }
  if (config.continuous && config.mode_loss) {
    Vector row_lse(N);
    for (Eigen::Index i = 0; i < N; ++i) {
      const double smallest = penalty.row(i).minCoeff();
      row_lse(i) = -smallest + std::log((-(penalty.row(i).array() - smallest)).exp().sum());
    }
    for (Eigen::Index i = 0; i < N; ++i) penalty.row(i).array() += row_lse(i) - row_lse(0);
  }
  return penalty;
}

Matrix state_loss(const Matrix& data, const Matrix& centers, const Matrix& candidates) {
  check_arg(centers.cols() == data.cols(), "centers", "must have one column per data column");
  check_arg(candidates.cols() == centers.rows(), "candidates", "must have one column per centroid");
  const Eigen::Index T = data.rows();
  const Eigen::Index K = centers.rows();
  Matrix per_center(T, K);
  for (Eigen::Index t = 0; t < T; ++t) {
    for (Eigen::Index k = 0; k < K; ++k) {
      double sum = 0;
      for (Eigen::Index d = 0; d < data.cols(); ++d) {
        const double diff = data(t, d) - centers(k, d);
        sum += diff * diff;
      }
      per_center(t, k) = 0.5 * sum;
    }
  }
  // The discrete model's candidates are the identity: skip the product (identical values).
  if (candidates.rows() == K && candidates.isIdentity(0.0)) return per_center;
  return per_center * candidates.transpose();
}

double objective(const Matrix& data, const Matrix& centers, const std::vector<int>& states,
                 const JumpModelConfig& config) {
  const Matrix candidates = candidate_states(config);
  check_arg(states.size() == static_cast<std::size_t>(data.rows()), "states",
            "must have one state per row");
  for (const int s : states)
    check_arg(s >= 0 && s < candidates.rows(), "states", "must index the candidate states");
  // An empty state's NaN centroid enters no term: the states may not give it weight.
  const auto usable = usable_candidates(centers, candidates);
  for (const int s : states) {
    check_arg(std::binary_search(usable.begin(), usable.end(), static_cast<Eigen::Index>(s)),
              "states", "must not give weight to an empty state (a NaN centroid)");
  }
  const Matrix loss = state_loss(data, zero_empty_centroids(centers), candidates);
  const Matrix penalty = penalty_matrix(config, candidates);
  double total = 0;
  for (std::size_t t = 0; t < states.size(); ++t) {
    total += loss(static_cast<Eigen::Index>(t), states[t]);
    if (t > 0) total += penalty(states[t - 1], states[t]);
  }
  return total;
}

JumpModelFit fit_from(const Matrix& data, const Matrix& initial_centers,
                      const JumpModelConfig& config) {
  check_config(config);
  check_data(data);
  const int K = config.n_states;
  check_arg(data.rows() >= K, "n_states",
            "(" + std::to_string(K) + ") must not exceed the number of rows (" +
                std::to_string(data.rows()) + ")");
  check_arg(initial_centers.rows() == K && initial_centers.cols() == data.cols(), "initial_centers",
            "must be n_states x the data's columns");
  const Matrix candidates = candidate_states(config);
  const Matrix penalty = penalty_matrix(config, candidates);
  JumpModelFit out;
  out.centers = initial_centers;
  DpSolution current = solve_dp(state_loss(data, out.centers, candidates), penalty);
  out.objective_trace.push_back(current.objective);
  for (out.iterations = 1; out.iterations <= config.max_iter; ++out.iterations) {
    // Centroids given the states: the (probability-)weighted mean of the rows; no weight keeps it.
    const Matrix weights = probabilities_of(current.states, candidates);  // T x K
    const Vector mass = weights.colwise().sum().transpose();
    const Matrix sums = weights.transpose() * data;  // K x D
    for (int k = 0; k < K; ++k) {
      if (mass(k) > 0) out.centers.row(k) = sums.row(k) / mass(k);
    }
    DpSolution next = solve_dp(state_loss(data, out.centers, candidates), penalty);
    out.objective_trace.push_back(next.objective);
    const bool same_states = next.states == current.states;
    const bool small_gain = current.objective - next.objective <= config.tol;
    current = std::move(next);
    if (same_states || small_gain) {
      out.converged = true;
      break;
    }
  }
  out.iterations = std::min(out.iterations, config.max_iter);
  out.states = std::move(current.states);
  out.objective = current.objective;
  out.probabilities = probabilities_of(out.states, candidates);
  out.labels = argmax_rows(out.probabilities);
  // A state with no weight in the final solution has no centroid: what it kept is its start.
  const Vector final_mass = out.probabilities.colwise().sum().transpose();
  for (int k = 0; k < K; ++k) {
    if (final_mass(k) > 0) continue;
    out.centers.row(k).setConstant(std::numeric_limits<double>::quiet_NaN());
    out.empty_states.push_back(k);
  }
  return out;
}

JumpModelFit fit(const Matrix& data, const JumpModelConfig& config) {
  check_config(config);
  check_data(data);
  check_arg(data.rows() >= config.n_states, "n_states",
            "(" + std::to_string(config.n_states) + ") must not exceed the number of rows (" +
                std::to_string(data.rows()) + ")");
  std::optional<JumpModelFit> best;
  for (int start = 0; start < config.n_init; ++start) {
    const Matrix seeds = kmeans::kmeans_plus_plus(data, config.n_states,
                                                  config.seed + static_cast<std::uint64_t>(start));
    JumpModelFit candidate = fit_from(data, seeds, config);
    candidate.best_start = start;
    if (!best || candidate.objective < best->objective) best = std::move(candidate);
  }
  return *best;
}

OnlineInference infer_online(const Matrix& data, const Matrix& centers,
                             const JumpModelConfig& config) {
  check_config(config);
  check_data(data);
  check_arg(centers.rows() == config.n_states, "centers", "must have n_states rows");
  check_arg(data.rows() >= 1, "data", "must have at least one row");
  const Matrix candidates = candidate_states(config);
  const auto programme =
      restricted_programme(data, centers, candidates, penalty_matrix(config, candidates));
  const Matrix values = forward_values(programme.loss, programme.penalty);
  OnlineInference out;
  out.states.resize(static_cast<std::size_t>(data.rows()));
  for (Eigen::Index t = 0; t < values.rows(); ++t) {
    Eigen::Index best = 0;
    for (Eigen::Index k = 1; k < values.cols(); ++k) {
      if (values(t, k) < values(t, best)) best = k;
    }
    out.states[static_cast<std::size_t>(t)] =
        static_cast<int>(programme.index[static_cast<std::size_t>(best)]);
  }
  out.probabilities = probabilities_of(out.states, candidates);
  out.labels = argmax_rows(out.probabilities);
  return out;
}

OnlineInference infer_smoothed(const Matrix& data, const Matrix& centers,
                               const JumpModelConfig& config) {
  check_config(config);
  check_data(data);
  check_arg(centers.rows() == config.n_states, "centers", "must have n_states rows");
  check_arg(data.rows() >= 1, "data", "must have at least one row");
  const Matrix candidates = candidate_states(config);
  const auto programme =
      restricted_programme(data, centers, candidates, penalty_matrix(config, candidates));
  OnlineInference out;
  out.states = solve_dp(programme.loss, programme.penalty).states;
  for (auto& s : out.states) s = static_cast<int>(programme.index[static_cast<std::size_t>(s)]);
  out.probabilities = probabilities_of(out.states, candidates);
  out.labels = argmax_rows(out.probabilities);
  return out;
}

Matrix standardise(const Matrix& raw, const JumpModelParams& params) {
  check_arg(params.mean.size() == raw.cols() && params.scale.size() == raw.cols(), "params",
            "mean and scale must have one value per data column");
  check_arg((params.scale.array() > 0).all(), "scale", "must be > 0 in every column");
  return (raw.rowwise() - params.mean.transpose()).array().rowwise() /
         params.scale.transpose().array();
}

std::vector<int> tradable_labels(const std::vector<int>& labels, int delay) {
  check_arg(delay >= 0, "delay", "must be >= 0 (got " + std::to_string(delay) + ")");
  std::vector<int> out(labels.size(), -1);
  for (std::size_t t = static_cast<std::size_t>(delay); t < labels.size(); ++t) {
    out[t] = labels[t - static_cast<std::size_t>(delay)];
  }
  return out;
}

}  // namespace mre::regimes::jump
