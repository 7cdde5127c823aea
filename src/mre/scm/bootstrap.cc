// See bootstrap.h.
#include "mre/scm/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "mre/scm/simulate.h"

namespace mre::scm {

Matrix generate(const Fitted& model, const Matrix& data, const Matrix& shocks) {
  const auto& g = model.graph;
  struct Step {
    int node = 0;
    const FittedEquation* equation = nullptr;  // null: an identity
    std::vector<int> inputs{};                 // parents or identity terms
  };
  std::vector<Step> steps;
  for (const int node : topological_order(g)) {
    Step s{.node = node};
    for (const auto& f : model.equations) {
      if (node_index(g, f.node) == node) {
        s.equation = &f;
        for (const auto& p : f.parents) s.inputs.push_back(node_index(g, p));
      }
    }
    for (const auto& id : g.identities) {
      if (node_index(g, id.node) == node) {
        for (const auto& t : id.terms) s.inputs.push_back(node_index(g, t));
      }
    }
    steps.push_back(std::move(s));
  }
  Matrix x = Matrix::Zero(data.rows(), data.cols());
  x.row(0) = data.row(0);
  for (Eigen::Index t = 1; t < x.rows(); ++t) {
    for (const auto& s : steps) {
      double v = 0.0;
      if (s.equation) {
        v = s.equation->intercept + s.equation->phi * x(t - 1, s.node) + shocks(t, s.node);
        for (std::size_t k = 0; k < s.inputs.size(); ++k) v += s.equation->beta[k] * x(t, s.inputs[k]);
      } else {
        for (const int term : s.inputs) v += x(t, term);
      }
      x(t, s.node) = v;
    }
  }
  return x;
}

Matrix bootstrap(const Fitted& model, const Matrix& data, const BootstrapConfig& config,
                 const std::function<Vector(const Fitted&, int)>& statistic) {
  const Eigen::Index shock_rows = data.rows() - 1;
  if (config.replicates < kMinBootstrapReplicates) {
    throw Error(ErrorCode::kInvalidArgument, "bootstrap replicates: at least " + std::to_string(kMinBootstrapReplicates) +
                                                 " are needed for 95% bands (got " + std::to_string(config.replicates) + ")");
  }
  if (config.block_length < 1 || config.block_length > shock_rows) {
    throw Error(ErrorCode::kInvalidArgument, "bootstrap block length: must be 1.." + std::to_string(shock_rows) +
                                                 " (the sample's shock days; got " + std::to_string(config.block_length) + ")");
  }
  if (config.threads < 0) throw Error(ErrorCode::kInvalidArgument, "bootstrap threads: must be >= 0");
  const Matrix u = abduct(model, data);
  const int replicates = config.replicates;
  // Replicate b draws from PathRandom(seed, b) alone: a seeded work item (core/work_items.h).
  const std::vector<WorkResult> results = run_work_items(config.work_items, config.threads, replicates, [&](std::int64_t item) {
    const auto b = static_cast<int>(item);
    PathRandom rng(config.seed, static_cast<std::uint64_t>(b));
    Matrix shocks = Matrix::Zero(data.rows(), data.cols());
    Eigen::Index t = 1;
    while (t < data.rows()) {
      const auto start = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(shock_rows)));
      for (Eigen::Index k = 0; k < config.block_length && t < data.rows(); ++k, ++t) {
        shocks.row(t) = u.row(1 + (start + k) % shock_rows);
      }
    }
    const Matrix resampled = generate(model, data, shocks);
    const Fitted refit = fit(model.graph, resampled, model.hac_lag);
    const Vector v = statistic(refit, b);
    return pack_doubles(std::vector<double>(v.data(), v.data() + v.size()));
  }, "bootstrap replicates");
  std::vector<Vector> values(static_cast<std::size_t>(replicates));
  for (int b = 0; b < replicates; ++b) {
    const std::vector<double> v = unpack_doubles(results[static_cast<std::size_t>(b)]);
    values[static_cast<std::size_t>(b)] = Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
  }
  const auto width = values.front().size();
  Matrix out(replicates, width);
  for (int b = 0; b < replicates; ++b) {
    if (values[static_cast<std::size_t>(b)].size() != width) throw Error(ErrorCode::kInternal, "bootstrap: statistics of different lengths");
    out.row(b) = values[static_cast<std::size_t>(b)].transpose();
  }
  return out;
}

Band percentile_band(double estimate, std::vector<double> replicates) {
  if (replicates.empty()) throw Error(ErrorCode::kInvalidArgument, "percentile_band: no replicates");
  for (const double v : replicates) {
    if (!std::isfinite(v)) throw Error(ErrorCode::kInvalidArgument, "percentile_band: a non-finite replicate");
  }
  Band b;
  b.estimate = estimate;
  b.lo95 = quantile_in_place(replicates, 0.025);
  b.lo90 = quantile_in_place(replicates, 0.05);
  b.hi90 = quantile_in_place(replicates, 0.95);
  b.hi95 = quantile_in_place(replicates, 0.975);
  return b;
}

}  // namespace mre::scm
