// MR-IMPL-03 steps 1-5 and the MR-BR-03 validation.
#include "mre/regimes/hierarchical/mapping.h"

#include <cmath>
#include <limits>

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/regimes/mapping/hungarian.h"

namespace mre::regimes::hierarchical {

GlobalStatistics global_statistics(const Matrix& data) {
  GlobalStatistics out{Vector::Zero(data.cols()), Vector::Zero(data.cols())};
  for (Eigen::Index i = 0; i < data.cols(); ++i) {
    double n = 0;
    double mean = 0;
    double m2 = 0;
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      const double v = data(t, i);
      if (std::isnan(v)) continue;
      n += 1;
      const double delta = v - mean;  // Welford
      mean += delta / n;
      m2 += delta * (v - mean);
    }
    out.mean(i) = n > 0 ? mean : std::numeric_limits<double>::quiet_NaN();
    out.std(i) = n > 1 ? std::sqrt(m2 / (n - 1)) : std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

int indicator_index(const ModelDefinition& definition, const std::string& indicator) {
  for (std::size_t i = 0; i < definition.indicators.size(); ++i) {
    if (definition.indicators[i] == indicator) return static_cast<int>(i);
  }
  throw Error(ErrorCode::kInvalidArgument,
              "model " + definition.name + " has no indicator '" + indicator + "'");
}

StateMapping map_states(const Matrix& state_means, const GlobalStatistics& stats, const ModelDefinition& definition,
                        const DistressCondition& condition) {
  const auto I = static_cast<Eigen::Index>(definition.indicators.size());
  const int K = definition.n_states();
  check_arg(state_means.rows() == K, "state_means",
            "must have one row per label of model " + definition.name + " (" + std::to_string(K) + ")");
  check_arg(state_means.cols() == I, "state_means", "must have one column per indicator");
  check_arg(stats.mean.size() == I && stats.std.size() == I, "stats", "must cover every indicator");
  for (Eigen::Index i = 0; i < I; ++i) {
    if (!(stats.std(i) > 0) || !std::isfinite(stats.mean(i))) {
      throw Error(ErrorCode::kDataError, "indicator " + definition.indicators[static_cast<std::size_t>(i)] +
                                             ": no variation in the training data (standard deviation " +
                                             std::to_string(stats.std(i)) + "); z-scores are undefined");
    }
  }
  StateMapping out;
  out.state_z = (state_means.rowwise() - stats.mean.transpose()).array().rowwise() / stats.std.transpose().array();
  out.distance.resize(K, K);
  for (int r = 0; r < K; ++r) {
    const auto& profile = definition.profiles[static_cast<std::size_t>(r)];
    for (int s = 0; s < K; ++s) {
      double sum = 0;
      for (const auto& target : profile.targets) {
        const double d = out.state_z(s, indicator_index(definition, target.indicator)) - target.z;
        sum += d * d;
      }
      out.distance(s, r) = std::sqrt(sum);
    }
  }
  const auto assignment = mapping::hungarian(out.distance);
  out.assigned = assignment.column_of_row;
  out.cost = assignment.cost;
  out.serving = out.assigned;
  out.fallback.assign(static_cast<std::size_t>(K), -1);
  for (int s = 0; s < K; ++s) {
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < K; ++r) {
      if (r == out.assigned[static_cast<std::size_t>(s)]) continue;
      if (out.distance(s, r) < best) {
        best = out.distance(s, r);
        out.fallback[static_cast<std::size_t>(s)] = r;
      }
    }
  }
  // MR-BR-03 applies to the global model, which defines the three indicators it reads.
  int distress_label = -1;
  for (int r = 0; r < K; ++r) {
    if (definition.profiles[static_cast<std::size_t>(r)].label == kIdiosyncraticDistress) distress_label = r;
  }
  if (distress_label >= 0) {
    for (int s = 0; s < K; ++s) {
      if (out.assigned[static_cast<std::size_t>(s)] == distress_label) out.distress_state = s;
    }
    const int s = *out.distress_state;
    out.distress_state_qualifies = distress_condition_holds(
        out.state_z(s, indicator_index(definition, "mmd_ust_ratio_10y")),
        out.state_z(s, indicator_index(definition, "muni_fund_flows_net")),
        out.state_z(s, indicator_index(definition, "high_yield_credit_spread")), condition);
    if (!out.distress_state_qualifies) out.serving[static_cast<std::size_t>(s)] = out.fallback[static_cast<std::size_t>(s)];
  }
  return out;
}

}  // namespace mre::regimes::hierarchical
