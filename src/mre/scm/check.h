// Checks of an SCM's graph against its data (issue 20): every conditional independence the DAG
// implies and every pair of equations' residual correlation, with HAC standard errors and the
// Holm correction over all of them.
//
// Implications: the ordered local Markov property (Pearl 2009, section 1.2.3; Lauritzen 1996,
// section 3.2.2): in a topological order, each node is independent of its predecessors that are
// not its parents, given its parents. Lag-aware: every equation also conditions on its own lag,
// so the implication for node X and a predecessor Y is
//   X_t ⟂ Y_t | parents(X)_t, X_{t-1},
// tested by the t statistic of Y_t's coefficient in X's equation extended by Y_t (Newey-West
// HAC covariance, the model's lag; two-sided normal p-value). That coefficient is what the added
// edge Y -> X would estimate. Identity nodes are neither tested nor used as Y (their terms are).
// Residual correlations: the abducted shocks of each pair of equations, the t statistic of the
// slope of one on the other (HAC), their sample correlation reported.
// Holm (1979): sort the m p-values, reject the k-th smallest while p_(k) <= alpha / (m - k + 1).
#pragma once

#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/scm/scm.h"

namespace mre::scm {

struct ImplicationTest {
  std::string node{};                // X
  std::string other{};               // Y, a predecessor of X that is not its parent
  std::vector<std::string> given{};  // X's parents (and X's own lag when the equation has it)
  double partial_correlation = 0.0;  // of X_t and Y_t given the conditioning set
  double coefficient = 0.0;  // Y_t's coefficient in X's extended equation (the added edge Y -> X)
  double standard_error = 0.0;  // HAC
  double p_value = 1.0;
  double holm_p = 1.0;  // Holm-adjusted over all the check's tests
  bool rejected = false;
};

struct ResidualCorrelationTest {
  std::string node{};
  std::string other{};
  double correlation = 0.0;
  double p_value = 1.0;
  double holm_p = 1.0;
  bool rejected = false;
};

struct GraphCheck {
  double alpha = 0.05;
  int hac_lag = 0;
  std::vector<ImplicationTest> implications{};
  std::vector<ResidualCorrelationTest> residual_correlations{};
  int rejections() const;
};

// REQUIRES: data as for fit() (T x N changes, graph.nodes order), model fitted on them.
// InvalidArgument for alpha outside (0, 1).
GraphCheck check_graph(const Fitted& model, const Matrix& data, double alpha = 0.05);

// Holm-adjusted p-values (step-down, monotone, capped at 1), in the input order.
std::vector<double> holm_adjust(const std::vector<double>& p);

}  // namespace mre::scm
