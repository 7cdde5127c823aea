// A small known SCM for the bootstrap's tests: Re -> EFFR, R3M = EFFR + TP, BONDS <- R3M,
// STOCK <- BONDS (all changes), its data simulated with Gaussian shocks, and the effect of
// do(EFFR + 0.5 on rows [from, to]) on STOCK at `to` under any coefficients.
#pragma once

#include <random>

#include "mre/scm/bootstrap.h"
#include "mre/scm/scm.h"

namespace mre::scm::testing {

inline Graph small_graph() {
  Graph g;
  g.nodes = {"Re", "EFFR", "TP", "R3M", "BONDS", "STOCK"};
  g.equations = {{"Re", {}, true},
                 {"EFFR", {"Re"}, true},
                 {"TP", {}, true},
                 {"BONDS", {"R3M"}, true},
                 {"STOCK", {"BONDS"}, true}};
  g.identities = {{"R3M", {"EFFR", "TP"}}};
  g.terminal = {"STOCK"};
  return g;
}

inline Levels small_levels() {
  return {.transform = std::vector<Transform>(6, Transform::kDiff), .start = RowVector::Zero(6)};
}

// The true model: intercepts 0, own lags 0.2 (EFFR 0.3), EFFR on Re 0.5, BONDS on R3M -0.8,
// STOCK on BONDS -0.6.
inline Fitted small_truth() {
  Fitted m;
  m.graph = small_graph();
  const auto eq = [](const std::string& node, std::vector<std::string> parents, double phi,
                     std::vector<double> beta) {
    FittedEquation f;
    f.node = node;
    f.parents = std::move(parents);
    f.phi = phi;
    f.beta = std::move(beta);
    return f;
  };
  m.equations = {eq("Re", {}, 0.2, {}), eq("EFFR", {"Re"}, 0.3, {0.5}), eq("TP", {}, 0.2, {}),
                 eq("BONDS", {"R3M"}, 0.2, {-0.8}), eq("STOCK", {"BONDS"}, 0.2, {-0.6})};
  return m;
}

inline Matrix small_sample(Eigen::Index T, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Matrix shocks = Matrix::Zero(T, 6);
  for (Eigen::Index t = 1; t < T; ++t) {
    for (const int j : {0, 1, 2, 4, 5}) shocks(t, j) = z(rng);
  }
  return generate(small_truth(), Matrix::Zero(T, 6), shocks);
}

// STOCK's counterfactual - factual level at row `to` for do(EFFR + 0.5 on rows [from, to]).
inline double small_effect(const Fitted& model, const Matrix& data, Eigen::Index from,
                           Eigen::Index to) {
  const Matrix u = abduct(model, data);
  const Matrix cf = predict(model, data, u,
                            {{.node = "EFFR", .from = from, .to = to, .value = 0.5, .shift = true}},
                            small_levels());
  const Matrix lf = to_levels(data, small_levels());
  const Matrix lc = to_levels(cf, small_levels());
  return lc(to, 5) - lf(to, 5);
}

}  // namespace mre::scm::testing
