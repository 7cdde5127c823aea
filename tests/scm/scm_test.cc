// The structural causal model on data simulated from seed 002's DAG with known coefficients:
// recovery, exact counterfactuals, the abduction-action-prediction identity, intervention vs
// conditioning, and graph validation.
#include "mre/scm/scm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mre/core/error.h"

namespace mre::scm {
namespace {

// Seed 002 section 4, as written: Re <- OIL, MBS; EFFR, TP own lags; R3M = EFFR + TP; BONDS,
// CRB, FX <- R3M; STOCK <- BONDS, CRB.
Graph seed_graph() {
  Graph g;
  g.nodes = {"OIL", "MBS", "Re", "EFFR", "TP", "R3M", "BONDS", "CRB", "FX", "STOCK"};
  g.equations = {{"OIL", {}, true},      {"MBS", {}, true},     {"Re", {"OIL", "MBS"}, true},
                 {"EFFR", {}, true},     {"TP", {}, true},      {"BONDS", {"R3M"}, true},
                 {"CRB", {"R3M"}, true}, {"FX", {"R3M"}, true}, {"STOCK", {"BONDS", "CRB"}, true}};
  g.identities = {{"R3M", {"EFFR", "TP"}}};
  g.terminal = {"STOCK"};
  return g;
}

// Every node a change of a level starting at 0 (rates in points).
Levels diff_levels(const Graph& g) {
  return {.transform = std::vector<Transform>(g.nodes.size(), Transform::kDiff),
          .start = RowVector::Zero(static_cast<Eigen::Index>(g.nodes.size()))};
}

struct Truth {
  std::map<std::string, double> a, phi;
  std::map<std::string, std::vector<double>> beta;
};

Truth truth() {
  Truth t;
  for (const char* n : {"OIL", "MBS", "Re", "EFFR", "TP", "BONDS", "CRB", "FX", "STOCK"}) {
    t.a[n] = 0.001;
    t.phi[n] = 0.1;
  }
  t.phi["EFFR"] = 0.3;
  t.beta["Re"] = {0.2, -0.4};
  t.beta["BONDS"] = {-0.8};
  t.beta["CRB"] = {0.5};
  t.beta["FX"] = {0.3};
  t.beta["STOCK"] = {0.6, 0.4};
  return t;
}

Matrix simulate(const Graph& g, const Truth& tr, Eigen::Index T, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Matrix x = Matrix::Zero(T, static_cast<Eigen::Index>(g.nodes.size()));
  const auto order = topological_order(g);
  for (Eigen::Index t = 1; t < T; ++t) {
    for (const int node : order) {
      const auto& name = g.nodes[static_cast<std::size_t>(node)];
      if (name == "R3M") {
        x(t, node) = x(t, node_index(g, "EFFR")) + x(t, node_index(g, "TP"));
        continue;
      }
      const Equation* e = nullptr;
      for (const auto& eq : g.equations) {
        if (eq.node == name) e = &eq;
      }
      double v = tr.a.at(name) + tr.phi.at(name) * x(t - 1, node) + 0.01 * z(rng);
      for (std::size_t j = 0; j < e->parents.size(); ++j)
        v += tr.beta.at(name)[j] * x(t, node_index(g, e->parents[j]));
      x(t, node) = v;
    }
  }
  return x;
}

TEST(Scm, EstimationRecoversEveryCoefficientWithinItsInterval) {
  const auto g = seed_graph();
  const auto tr = truth();
  const Matrix data = simulate(g, tr, 20000, 1);
  const auto m = fit(g, data);
  int outside = 0;
  int total = 0;
  for (const auto& f : m.equations) {
    const auto count = [&](double estimate, double truth_value, Eigen::Index i) {
      ++total;
      outside +=
          std::abs(estimate - truth_value) > 1.959963984540054 * std::sqrt(f.covariance(i, i)) ? 1
                                                                                               : 0;
    };
    count(f.intercept, tr.a.at(f.node), 0);
    count(f.phi, tr.phi.at(f.node), 1);
    for (std::size_t j = 0; j < f.beta.size(); ++j)
      count(f.beta[j], tr.beta.at(f.node)[j], static_cast<Eigen::Index>(2 + j));
  }
  // 26 coefficients: their 95% intervals miss 1.3 on average; P(more than 5 miss) < 0.2%.
  EXPECT_LE(outside, 5) << outside << " of " << total << " outside their 95% interval";
  for (const auto& f : m.equations) {
    // 4 standard errors: with 26 coefficients, the 95% interval would miss about one by chance.
    const auto se = [&](Eigen::Index i) { return std::sqrt(f.covariance(i, i)); };
    EXPECT_NEAR(f.intercept, tr.a.at(f.node), 4 * se(0)) << f.node;
    EXPECT_NEAR(f.phi, tr.phi.at(f.node), 4 * se(1)) << f.node;
    for (std::size_t j = 0; j < f.beta.size(); ++j) {
      EXPECT_NEAR(f.beta[j], tr.beta.at(f.node)[j], 4 * se(static_cast<Eigen::Index>(2 + j)))
          << f.node << " " << j;
    }
    EXPECT_NEAR(f.kurtosis, 3.0, 0.2) << f.node;  // Gaussian shocks
  }
}

TEST(Scm, CounterfactualMatchesTheAnalyticAnswer) {
  const auto g = seed_graph();
  const Matrix data = simulate(g, truth(), 500, 2);
  const auto m = fit(g, data);
  const Matrix u = abduct(m, data);
  // EFFR's level 0.5 higher (a shift) on rows 100..149, factual again from row 150: its change
  // differs by +0.5 on row 100 and -0.5 on row 150, and R3M = EFFR + TP with it; BONDS's
  // difference is d_t = phi_b d_{t-1} + beta_b dR3M_t; STOCK's d_t = phi_s d_{t-1} + l_b dB_t + l_c
  // dC_t.
  const Matrix cf =
      predict(m, data, u, {{.node = "EFFR", .from = 100, .to = 149, .value = 0.5, .shift = true}},
              diff_levels(g));
  const Matrix diff = cf - data;
  const auto eq = [&](const std::string& n) -> const FittedEquation& {
    for (const auto& f : m.equations) {
      if (f.node == n) return f;
    }
    throw std::runtime_error(n);
  };
  const int b = node_index(g, "BONDS");
  const int c = node_index(g, "CRB");
  const int s = node_index(g, "STOCK");
  const int r = node_index(g, "R3M");
  double db = 0;
  double dc = 0;
  double ds = 0;
  for (Eigen::Index t = 1; t < data.rows(); ++t) {
    const double dr = t == 100 ? 0.5 : t == 150 ? -0.5 : 0.0;
    // 1e-12: an EFFR change of order 0.01 plus 0.5 and back loses a few ulps of 0.5.
    EXPECT_NEAR(diff(t, r), dr, 1e-12) << t;
    db = eq("BONDS").phi * db + eq("BONDS").beta[0] * dr;
    dc = eq("CRB").phi * dc + eq("CRB").beta[0] * dr;
    ds = eq("STOCK").phi * ds + eq("STOCK").beta[0] * db + eq("STOCK").beta[1] * dc;
    // 1e-10: the same linear recursion evaluated in another order.
    EXPECT_NEAR(diff(t, b), db, 1e-10) << t;
    EXPECT_NEAR(diff(t, c), dc, 1e-10) << t;
    EXPECT_NEAR(diff(t, s), ds, 1e-10) << t;
    EXPECT_EQ(diff(t, node_index(g, "Re")), 0.0);  // upstream of EFFR: untouched
  }
  // The level path: 0.5 higher exactly on the window, the factual level outside it.
  const Matrix level_cf = to_levels(cf, diff_levels(g));
  const Matrix level = to_levels(data, diff_levels(g));
  const int e = node_index(g, "EFFR");
  EXPECT_NEAR(level_cf(120, e) - level(120, e), 0.5, 1e-12);
  EXPECT_NEAR(level_cf(200, e) - level(200, e), 0.0, 1e-12);
}

TEST(Scm, AbductionActionPredictionReproducesTheFactualDataExactly) {
  const auto g = seed_graph();
  const Matrix data = simulate(g, truth(), 300, 3);
  const auto m = fit(g, data);
  const Matrix u = abduct(m, data);
  const auto levels = diff_levels(g);
  EXPECT_EQ(predict(m, data, u, {}, levels), data);  // bit for bit
  // do(EFFR = observed EFFR) on a window: a level intervention at the factual levels.
  const Matrix level = to_levels(data, levels);
  std::vector<Intervention> same;
  const int e = node_index(g, "EFFR");
  for (Eigen::Index t = 50; t <= 60; ++t)
    same.push_back({.node = "EFFR", .from = t, .to = t, .value = level(t, e)});
  EXPECT_EQ(predict(m, data, u, same, levels), data);
  // A zero shift over the whole sample, on every intervenable node at once.
  std::vector<Intervention> zero;
  for (const auto& f : m.equations)
    zero.push_back({.node = f.node, .from = 1, .to = data.rows() - 1, .value = 0.0, .shift = true});
  EXPECT_EQ(predict(m, data, u, zero, levels), data);
}

TEST(Scm, InterventionDiffersFromConditioningUnderConfounding) {
  // Z -> X, Z -> Y, X -> Y with Y = 1.0 X + 2.0 Z: regressing Y on X (conditioning) finds far
  // more than 1.0; do(X = X + 1) moves Y by exactly 1.0 (the structural coefficient).
  Graph g;
  g.nodes = {"Z", "X", "Y"};
  g.equations = {{"Z", {}, false}, {"X", {"Z"}, false}, {"Y", {"X", "Z"}, false}};
  std::mt19937_64 rng(4);
  std::normal_distribution<double> z;
  Matrix d(5000, 3);
  for (Eigen::Index t = 0; t < d.rows(); ++t) {
    d(t, 0) = z(rng);
    d(t, 1) = 0.8 * d(t, 0) + 0.5 * z(rng);
    d(t, 2) = 1.0 * d(t, 1) + 2.0 * d(t, 0) + 0.1 * z(rng);
  }
  const auto m = fit(g, d);
  const Vector x = d.col(1).array() - d.col(1).mean();
  const double conditional_slope = x.dot(d.col(2)) / x.squaredNorm();
  const Matrix u = abduct(m, d);
  // do(X = X + 1) on every row: a change model would see X's level move by 1 once, so here X
  // is the variable itself: a shift of 1 on each single row, one row at a time.
  const Levels levels{.transform = {Transform::kDiff, Transform::kDiff, Transform::kDiff},
                      .start = RowVector::Zero(3)};
  double interventional = 0;
  for (Eigen::Index t = 1; t < 201; ++t) {
    const Matrix cf =
        predict(m, d, u, {{.node = "X", .from = t, .to = t, .value = 1.0, .shift = true}}, levels);
    interventional += (cf(t, 2) - d(t, 2)) / 200.0;
  }
  EXPECT_NEAR(interventional, 1.0, 0.01);
  EXPECT_GT(conditional_slope, 2.0);  // E[Y | X] picks up Z's path: 1 + 2 * 0.8 / 0.89 ~ 2.8
}

TEST(Scm, TerminalDataNeverEnterUpstreamEstimates) {
  const auto g = seed_graph();
  Matrix data = simulate(g, truth(), 2000, 5);
  const auto before = fit(g, data);
  data.col(node_index(g, "STOCK")).setRandom();
  const auto after = fit(g, data);
  for (std::size_t i = 0; i < before.equations.size(); ++i) {
    if (before.equations[i].node == "STOCK") continue;
    EXPECT_EQ(before.equations[i].intercept, after.equations[i].intercept)
        << before.equations[i].node;
    EXPECT_EQ(before.equations[i].beta, after.equations[i].beta) << before.equations[i].node;
  }
}

TEST(Scm, BadGraphsAndInterventionsAreRefusedNamingTheNode) {
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto cyclic = seed_graph();
  cyclic.equations[3].parents = {"BONDS"};  // EFFR <- BONDS <- R3M <- EFFR
  EXPECT_NE(message([&] { validate(cyclic); }).find("cycle"), std::string::npos);
  EXPECT_NE(message([&] { validate(cyclic); }).find("EFFR"), std::string::npos);
  auto missing = seed_graph();
  missing.equations[2].parents.push_back("GDP");
  EXPECT_NE(message([&] { validate(missing); }).find("'GDP'"), std::string::npos);
  auto terminal = seed_graph();
  terminal.equations[7].parents.push_back("STOCK");  // FX <- STOCK
  EXPECT_NE(message([&] { validate(terminal); }).find("terminal node 'STOCK'"), std::string::npos);
  const auto g = seed_graph();
  const Matrix data = simulate(g, truth(), 200, 6);
  const auto m = fit(g, data);
  const Matrix u = abduct(m, data);
  EXPECT_NE(message([&] {
              predict(m, data, u, {{.node = "R3M", .from = 5, .to = 9, .value = 1.0}},
                      diff_levels(g));
            }).find("identity"),
            std::string::npos);
  EXPECT_NE(message([&] {
              predict(m, data, u, {{.node = "NOPE", .from = 5, .to = 9}}, diff_levels(g));
            }).find("'NOPE'"),
            std::string::npos);
  EXPECT_NE(message([&] {
              predict(m, data, u, {{.node = "EFFR", .from = 150, .to = 400}}, diff_levels(g));
            }).find("outside"),
            std::string::npos);
}

}  // namespace
}  // namespace mre::scm
