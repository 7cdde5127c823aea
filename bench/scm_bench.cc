// SCM Monte Carlo throughput (issue 7): 100,000 paths x 250 days x 10 nodes of seed 002's DAG,
// a baseline and an intervened world driven by the same Gaussian shocks, on one core and on
// all; with and without the quantile fans. Prints one line per run:
//   scm_bench threads=T fans=on|off paths=P days=D nodes=N seconds=S node_steps_per_s=X
// where node-steps count both worlds (paths x days x nodes x 2). `--dump FILE` writes the
// model (coefficients in topological order, the shocks' Cholesky factor) for the numpy
// reference in bench/scm_compare.py.
#include <Eigen/Cholesky>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "mre/scm/random.h"
#include "mre/scm/simulate.h"

namespace {

using namespace mre;
using namespace mre::scm;

Fitted seed_model() {
  Fitted m;
  auto& g = m.graph;
  g.nodes = {"OIL", "MBS", "Re", "EFFR", "TP", "R3M", "BONDS", "CRB", "FX", "STOCK"};
  g.equations = {{"OIL", {}, true},      {"MBS", {}, true},     {"Re", {"OIL", "MBS"}, true},
                 {"EFFR", {"Re"}, true}, {"TP", {}, true},      {"BONDS", {"R3M"}, true},
                 {"CRB", {"R3M"}, true}, {"FX", {"R3M"}, true}, {"STOCK", {"BONDS", "CRB"}, true}};
  g.identities = {{"R3M", {"EFFR", "TP"}}};
  g.terminal = {"STOCK"};
  // Magnitudes of the fitted policy_transmission model on the bundled data.
  const double phi[] = {-0.19, 0.0, 0.02, -0.05, -0.04, -0.03, 0.02, 0.01, -0.12};
  const std::vector<std::vector<double>> beta = {
      {}, {}, {0.0003, 0.001}, {0.078}, {}, {-0.059}, {0.008}, {0.019}, {-0.157, 0.334}};
  for (std::size_t e = 0; e < g.equations.size(); ++e) {
    FittedEquation f;
    f.node = g.equations[e].node;
    f.parents = g.equations[e].parents;
    f.intercept = 1e-4;
    f.phi = phi[e];
    f.beta = beta[e];
    m.equations.push_back(f);
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int paths = 100000;
  int days = 250;
  std::string dump;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--paths")) paths = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--days")) days = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dump")) dump = argv[i + 1];
  }
  const Fitted model = seed_model();
  const int n = static_cast<int>(model.graph.nodes.size());
  const auto e = static_cast<Eigen::Index>(model.equations.size());
  // A Gaussian pool with the scales of the fitted residuals and some cross-correlation.
  ShockPool pool;
  pool.residuals.resize(2730, e);
  const double scale[] = {1.5, 0.02, 0.03, 0.03, 0.03, 0.009, 0.011, 0.004, 0.009};
  PathRandom rng(1, 0);
  for (Eigen::Index t = 0; t < pool.residuals.rows(); ++t) {
    const double common = rng.normal();
    for (Eigen::Index j = 0; j < e; ++j)
      pool.residuals(t, j) = scale[j] * (0.3 * common + rng.normal());
  }
  Levels levels;
  levels.transform = {Transform::kDiff,      Transform::kDiff,      Transform::kDiff,
                      Transform::kDiff,      Transform::kDiff,      Transform::kDiff,
                      Transform::kLogReturn, Transform::kLogReturn, Transform::kLogReturn,
                      Transform::kLogReturn};
  levels.start =
      (RowVector(n) << 64.0, 6.6, 4.3, 4.33, 0.0, 4.33, 84.0, 21.0, 98.0, 6445.0).finished();
  const SimulationStart start{.changes = RowVector::Zero(n), .levels = levels.start};
  const std::vector<Intervention> hike = {
      {.node = "EFFR", .from = 1, .to = days, .value = 0.5, .shift = true}};
  if (!dump.empty()) {
    // The model for the numpy reference: one line per node in topological order
    // "node kind a phi parent:beta ..." and the Cholesky factor of the pool's covariance.
    std::ofstream out(dump);
    out.precision(17);
    for (const int j : topological_order(model.graph)) {
      const auto& name = model.graph.nodes[static_cast<std::size_t>(j)];
      bool identity = false;
      for (const auto& id : model.graph.identities) {
        if (id.node != name) continue;
        identity = true;
        out << name << " identity 0 0";
        for (const auto& t : id.terms) out << " " << t << ":1";
      }
      for (std::size_t k = 0; k < model.equations.size(); ++k) {
        const auto& f = model.equations[k];
        if (f.node != name) continue;
        out << name << " equation" << k << " " << f.intercept << " " << f.phi;
        for (std::size_t p = 0; p < f.parents.size(); ++p)
          out << " " << f.parents[p] << ":" << f.beta[p];
      }
      (void)identity;
      out << "\n";
    }
    const RowVector mean = pool.residuals.colwise().mean();
    const Matrix c = pool.residuals.rowwise() - mean;
    const Matrix chol =
        Eigen::LLT<Matrix>(c.transpose() * c / static_cast<double>(c.rows() - 1)).matrixL();
    out << "chol";
    for (Eigen::Index i = 0; i < e; ++i) {
      for (Eigen::Index j = 0; j < e; ++j) out << " " << chol(i, j);
    }
    out << "\nstart";
    for (int j = 0; j < n; ++j) out << " " << levels.start(j);
    out << "\n";
  }
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  for (const bool fans : {false, true}) {
    for (const int threads : {1, cores}) {
      const SimulationConfig config{
          .horizon = days, .paths = paths, .seed = 42, .threads = threads, .fans = fans};
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = simulate(model, levels, start, pool, hike, config);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double steps = 2.0 * paths * static_cast<double>(days) * n;
      std::printf(
          "scm_bench threads=%d fans=%s paths=%d days=%d nodes=%d seconds=%.3f "
          "node_steps_per_s=%.0f stock_effect=%.17g\n",
          threads, fans ? "on" : "off", paths, days, n, s, steps / s, r.effect(0, n - 1));
      std::fflush(stdout);
    }
  }
  return 0;
}
