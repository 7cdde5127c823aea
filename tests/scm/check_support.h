// Seed 002's graph with known coefficients, data simulated from it (Gaussian shocks,
// independent across equations): for the graph checks' tests.
#pragma once

#include <random>

#include "mre/scm/bootstrap.h"
#include "mre/scm/scm.h"

namespace mre::scm::testing {

inline Graph policy_graph() {
  Graph g;
  g.nodes = {"OIL", "MBS", "Re", "EFFR", "TP", "R3M", "BONDS", "CRB", "FX", "STOCK"};
  g.equations = {{"OIL", {}, true},      {"MBS", {}, true},     {"Re", {"OIL", "MBS"}, true},
                 {"EFFR", {"Re"}, true}, {"TP", {}, true},      {"BONDS", {"R3M"}, true},
                 {"CRB", {"R3M"}, true}, {"FX", {"R3M"}, true}, {"STOCK", {"BONDS", "CRB"}, true}};
  g.identities = {{"R3M", {"EFFR", "TP"}}};
  g.terminal = {"STOCK"};
  return g;
}

// `effr_on_tp`: a coefficient of EFFR in TP's equation the graph leaves out (0: data from the
// graph itself).
inline Matrix policy_sample(Eigen::Index T, std::uint64_t seed, double effr_on_tp = 0.0) {
  Fitted m;
  m.graph = policy_graph();
  const std::vector<std::vector<double>> beta = {{},     {},    {0.2, 0.4}, {0.5},      {},
                                                 {-0.8}, {0.5}, {0.3},      {-0.5, 0.4}};
  for (std::size_t e = 0; e < m.graph.equations.size(); ++e) {
    FittedEquation f;
    f.node = m.graph.equations[e].node;
    f.parents = m.graph.equations[e].parents;
    f.phi = 0.1;
    f.beta = beta[e];
    if (f.node == "TP" && effr_on_tp != 0.0) {
      f.parents.push_back("EFFR");
      f.beta.push_back(effr_on_tp);
    }
    m.equations.push_back(f);
  }
  if (effr_on_tp != 0.0) m.graph.equations[4].parents = {"EFFR"};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Matrix shocks = Matrix::Zero(T, 10);
  for (Eigen::Index t = 1; t < T; ++t) {
    for (const int j : {0, 1, 2, 3, 4, 6, 7, 8, 9}) shocks(t, j) = z(rng);
  }
  return generate(m, Matrix::Zero(T, 10), shocks);
}

}  // namespace mre::scm::testing
