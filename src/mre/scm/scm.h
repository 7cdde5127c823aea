// A linear structural causal model over daily changes (seed 002): each non-identity node
// x_t = a + phi x_{t-1} + sum_k beta_k parent_k,t + u_t, deterministic identities (R3M = EFFR +
// TP), terminal nodes nothing may depend on (STOCK). Estimation equation by equation (OLS with
// HAC standard errors); counterfactuals by abduction (residuals are the shocks), action
// (do(X = path) replaces X's equation) and prediction (the same shocks propagated).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/causal/inference.h"
#include "mre/core/linalg.h"

namespace mre::scm {

struct Equation {
  std::string node{};
  std::vector<std::string> parents{};  // contemporaneous parents
  bool own_lag = true;
};

struct Identity {
  std::string node{};
  std::vector<std::string> terms{};  // node = sum of terms
};

struct Graph {
  std::vector<std::string> nodes{};  // data column order
  std::vector<Equation> equations{};
  std::vector<Identity> identities{};
  std::vector<std::string> terminal{};  // may not be a parent or identity term of anything
};

// InvalidArgument naming the node for: an undefined parent or term, a node without an
// equation or identity (or with both), an arrow out of a terminal node, a cycle (listing it).
void validate(const Graph& graph);
// Node indices in an order where every node comes after its contemporaneous parents.
std::vector<int> topological_order(const Graph& graph);

struct FittedEquation {
  std::string node{};
  std::vector<std::string> parents{};
  double intercept = 0.0;
  double phi = 0.0;            // own lag (0 when not used)
  std::vector<double> beta{};  // per parent
  Matrix covariance;           // HAC covariance of [intercept, phi?, beta...]
  double kurtosis = 0.0;       // of the residuals (3 for a normal)
  double residual_acf1 = 0.0;  // first autocorrelation of the residuals
  double squared_acf1 = 0.0;   // first autocorrelation of the squared residuals
  double r2 = 0.0;
};

struct Fitted {
  Graph graph{};
  std::vector<FittedEquation> equations{};  // in graph.equations order
  int hac_lag = 0;
};

// REQUIRES: data T x N in graph.nodes order (changes/returns), finite, T > parameters + 2.
// Rows 1..T-1 are used (row 0 only as the first lag). Each equation reads only its own node,
// its lag and its parents, so a terminal node's data never enter an upstream estimate.
Fitted fit(const Graph& graph, const Matrix& data, int hac_lag = -1);

// Weighted least squares, equation by equation: each row t >= 1 weighted by weights(t) >= 0
// (a regime's probabilities: scm/regime_dependent.h), HAC covariance of the weighted problem;
// diagnostics (kurtosis, autocorrelations) over the rows weighted above one half, R2 weighted.
// DataError naming `what` and the node when the weights sum to no more than the parameters + 2.
Fitted fit_weighted(const Graph& graph, const Matrix& data, const Vector& weights, int hac_lag,
                    const std::string& what);

// Abduction: u_t = x_t - (a + phi x_{t-1} + beta . parents_t) for t >= 1 (row 0 and identity
// columns are 0).
Matrix abduct(const Fitted& model, const Matrix& data);

// Regime-dependent coefficients: row t uses fits[path[t]] (fits share one graph; path has one
// entry per data row, each in 0..K-1). With one fit and a constant path, the same as above.
Matrix abduct(const std::vector<Fitted>& fits, const std::vector<int>& path, const Matrix& data);

// How a node's data column relates to its level: a change (level_t = level_{t-1} + x_t) or a
// log return (level_t = level_{t-1} exp(x_t)). Kernels carry log levels for log-return nodes,
// so a level always moves by its node's value: log_level_t = log_level_{t-1} + x_t.
enum class Transform { kDiff, kLogReturn };

struct Levels {
  std::vector<Transform> transform{};  // per node
  RowVector start;                     // the level of each node at row 0 (natural units)
};

// Levels (natural units) from the changes: row t = level after row t's change; row 0 = start.
Matrix to_levels(const Matrix& changes, const Levels& levels);

// An intervention on a node's level over rows [from, to]: the level becomes the baseline level
// plus `value` (shift; for a log-return node the baseline level times 1 + value) or `value`
// itself (set). From `from` on the node's equation is replaced: after `to` its level follows
// the baseline level path again (the factual data in a historical counterfactual, the
// baseline scenario in a simulation). Identity nodes cannot be intervened on (their terms can).
struct Intervention {
  std::string node{};
  Eigen::Index from = 1;
  Eigen::Index to = 0;
  double value = 0.0;
  bool shift = false;
};

// Prediction: row 0 as given, then every row from the equations with the shocks, intervened
// nodes following their prescribed levels. Returns the changes. With the factual data's own
// shocks and no intervention (or do(X = observed X)) it returns the factual data bit for bit.
// InvalidArgument naming the node for an unknown node, an identity node, rows outside
// 1..T-1, overlapping windows on one node, or a non-positive level for a log-return node.
Matrix predict(const Fitted& model, const Matrix& factual, const Matrix& shocks,
               const std::vector<Intervention>& interventions, const Levels& levels);

// The same with regime-dependent coefficients (row t: fits[path[t]]).
Matrix predict(const std::vector<Fitted>& fits, const std::vector<int>& path, const Matrix& factual,
               const Matrix& shocks, const std::vector<Intervention>& interventions,
               const Levels& levels);

int node_index(const Graph& graph, const std::string& node);

// Residual diagnostics: the sample kurtosis m4 / m2^2 (3 for a normal) and the first
// autocorrelation (of the squares: volatility clustering).
double sample_kurtosis(const Vector& v);
double first_autocorrelation(const Vector& v);

// Interventions checked and grouped by node, values in log-level units (shared by predict and
// the simulator).
struct PreparedIntervention {
  struct Window {
    Eigen::Index from = 0;
    Eigen::Index to = 0;
    double value = 0.0;  // log-level units for a log-return node
    bool shift = false;
  };
  int node = 0;
  Eigen::Index from = 0;  // the first window's start: the equation is replaced from here on
  std::vector<Window> windows{};
  // The prescribed (log) level at row t given the baseline's.
  double target(Eigen::Index t, double baseline) const {
    for (const auto& w : windows) {
      if (t >= w.from && t <= w.to) return w.shift ? baseline + w.value : w.value;
    }
    return baseline;
  }
};
std::vector<PreparedIntervention> prepare_interventions(
    const Graph& graph, const std::vector<Intervention>& interventions, const Levels& levels,
    Eigen::Index last_row);

}  // namespace mre::scm
