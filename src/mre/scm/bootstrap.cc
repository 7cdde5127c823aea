// See bootstrap.h.
#include "mre/scm/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "mre/scm/simulate.h"

namespace mre::scm {

namespace {

Matrix generate_rows(const std::vector<const Fitted*>& fits, const std::vector<int>* path,
                     const Matrix& data, const Matrix& shocks) {
  const auto& g = fits.front()->graph;
  struct Step {
    int node = 0;
    std::vector<const FittedEquation*> equation{};  // per regime; empty: an identity
    std::vector<int> inputs{};                      // parents or identity terms
  };
  std::vector<Step> steps;
  for (const int node : topological_order(g)) {
    Step s{.node = node};
    for (std::size_t e = 0; e < fits.front()->equations.size(); ++e) {
      const auto& f = fits.front()->equations[e];
      if (node_index(g, f.node) == node) {
        for (const auto* fit : fits) s.equation.push_back(&fit->equations[e]);
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
    const auto k = path ? static_cast<std::size_t>((*path)[static_cast<std::size_t>(t)]) : 0;
    for (const auto& s : steps) {
      double v = 0.0;
      if (!s.equation.empty()) {
        const auto* eq = s.equation[k];
        v = eq->intercept + eq->phi * x(t - 1, s.node) + shocks(t, s.node);
        for (std::size_t j = 0; j < s.inputs.size(); ++j) v += eq->beta[j] * x(t, s.inputs[j]);
      } else {
        for (const int term : s.inputs) v += x(t, term);
      }
      x(t, s.node) = v;
    }
  }
  return x;
}

void check_config(const BootstrapConfig& config, Eigen::Index shock_rows) {
  if (config.replicates < kMinBootstrapReplicates) {
    throw Error(ErrorCode::kInvalidArgument,
                "bootstrap replicates: at least " + std::to_string(kMinBootstrapReplicates) +
                    " are needed for 95% bands (got " + std::to_string(config.replicates) + ")");
  }
  if (config.replicates > kMaxBootstrapReplicates) {
    throw Error(ErrorCode::kInvalidArgument,
                "bootstrap replicates: at most " + std::to_string(kMaxBootstrapReplicates) +
                    " (got " + std::to_string(config.replicates) + ")");
  }
  if (config.block_length < 1 || config.block_length > shock_rows) {
    throw Error(ErrorCode::kInvalidArgument,
                "bootstrap block length: must be 1.." + std::to_string(shock_rows) +
                    " (the sample's shock days; got " + std::to_string(config.block_length) + ")");
  }
  if (config.threads < 0)
    throw Error(ErrorCode::kInvalidArgument, "bootstrap threads: must be >= 0");
}

// Replicate b: circular blocks of the rows 1..T-1 of u (PathRandom(seed, b)), handed to
// `replicate(shocks, b)`; replicates spread over the threads, results in replicate order.
Matrix run_replicates(const Matrix& u, const BootstrapConfig& config,
                      const std::function<Vector(const Matrix&, int)>& replicate) {
  const Eigen::Index rows = u.rows();
  const Eigen::Index shock_rows = rows - 1;
  const int replicates = config.replicates;
  // Replicate b draws from PathRandom(seed, b) alone: a seeded work item (core/work_items.h).
  const std::vector<WorkResult> results = run_work_items(
      config.work_items, config.threads, replicates,
      [&](std::int64_t item) {
        const auto b = static_cast<int>(item);
        PathRandom rng(config.seed, static_cast<std::uint64_t>(b));
        Matrix shocks = Matrix::Zero(rows, u.cols());
        Eigen::Index t = 1;
        while (t < rows) {
          const auto start =
              static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(shock_rows)));
          for (Eigen::Index k = 0; k < config.block_length && t < rows; ++k, ++t) {
            shocks.row(t) = u.row(1 + (start + k) % shock_rows);
          }
        }
        const Vector v = replicate(shocks, b);
        return pack_doubles(std::vector<double>(v.data(), v.data() + v.size()));
      },
      "bootstrap replicates");
  std::vector<Vector> values(static_cast<std::size_t>(replicates));
  for (int b = 0; b < replicates; ++b) {
    const std::vector<double> v = unpack_doubles(results[static_cast<std::size_t>(b)]);
    values[static_cast<std::size_t>(b)] =
        Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
  }
  const auto width = values.front().size();
  Matrix out(replicates, width);
  for (int b = 0; b < replicates; ++b) {
    if (values[static_cast<std::size_t>(b)].size() != width)
      throw Error(ErrorCode::kInternal, "bootstrap: statistics of different lengths");
    out.row(b) = values[static_cast<std::size_t>(b)].transpose();
  }
  return out;
}

}  // namespace

Matrix generate(const Fitted& model, const Matrix& data, const Matrix& shocks) {
  return generate_rows({&model}, nullptr, data, shocks);
}

Matrix generate(const std::vector<Fitted>& fits, const std::vector<int>& path, const Matrix& data,
                const Matrix& shocks) {
  std::vector<const Fitted*> p;
  p.reserve(fits.size());
  for (const auto& f : fits) p.push_back(&f);
  check_arg(!p.empty() && static_cast<Eigen::Index>(path.size()) == data.rows(), "generate",
            "needs fits and one regime per row");
  for (const int k : path)
    check_arg(k >= 0 && k < static_cast<int>(p.size()), "path", "regime outside 0..K-1");
  return generate_rows(p, &path, data, shocks);
}

Matrix bootstrap(const Fitted& model, const Matrix& data, const BootstrapConfig& config,
                 const std::function<Vector(const Fitted&, int)>& statistic) {
  check_config(config, data.rows() - 1);
  const Matrix u = abduct(model, data);
  return run_replicates(u, config, [&](const Matrix& shocks, int b) {
    const Matrix resampled = generate(model, data, shocks);
    return statistic(fit(model.graph, resampled, model.hac_lag), b);
  });
}

Matrix bootstrap(const std::vector<Fitted>& fits, const std::vector<int>& path,
                 const Matrix& weights, const Matrix& data, const BootstrapConfig& config,
                 const std::function<Vector(const std::vector<Fitted>&, int)>& statistic) {
  check_config(config, data.rows() - 1);
  check_arg(
      weights.rows() == data.rows() && weights.cols() == static_cast<Eigen::Index>(fits.size()),
      "weights", "needs one row per data row and one column per regime");
  const Matrix u = abduct(fits, path, data);
  return run_replicates(u, config, [&](const Matrix& shocks, int b) {
    const Matrix resampled = generate(fits, path, data, shocks);
    std::vector<Fitted> refit;
    for (std::size_t k = 0; k < fits.size(); ++k) {
      refit.push_back(fit_weighted(fits[k].graph, resampled,
                                   weights.col(static_cast<Eigen::Index>(k)), fits[k].hac_lag,
                                   "regime " + std::to_string(k)));
    }
    return statistic(refit, b);
  });
}

Band percentile_band(double estimate, std::vector<double> replicates) {
  if (replicates.empty())
    throw Error(ErrorCode::kInvalidArgument, "percentile_band: no replicates");
  for (const double v : replicates) {
    if (!std::isfinite(v))
      throw Error(ErrorCode::kInvalidArgument,
                  "the bands are not finite: a bootstrap replicate's effect overflowed (an "
                  "intervention or surprise far outside the data's range; try a size the data "
                  "have seen)");
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
