// MR-IMPL-03 steps 1-5 and the MR-BR-03 validation.
#include "mre/regimes/hierarchical/mapping.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

StateMapping map_states(const Matrix& state_means, const GlobalStatistics& stats,
                        const ModelDefinition& definition, const DistressCondition& condition) {
  const auto I = static_cast<Eigen::Index>(definition.indicators.size());
  const int K = definition.n_states();
  check_arg(
      state_means.rows() == K, "state_means",
      "must have one row per label of model " + definition.name + " (" + std::to_string(K) + ")");
  check_arg(state_means.cols() == I, "state_means", "must have one column per indicator");
  check_arg(stats.mean.size() == I && stats.std.size() == I, "stats", "must cover every indicator");
  for (Eigen::Index i = 0; i < I; ++i) {
    if (!(stats.std(i) > 0) || !std::isfinite(stats.mean(i))) {
      throw Error(ErrorCode::kDataError,
                  "indicator " + definition.indicators[static_cast<std::size_t>(i)] +
                      ": no variation in the training data (standard deviation " +
                      std::to_string(stats.std(i)) + "); z-scores are undefined");
    }
  }
  StateMapping out;
  out.state_z = (state_means.rowwise() - stats.mean.transpose()).array().rowwise() /
                stats.std.transpose().array();
  out.distance.resize(K, K);
  for (int r = 0; r < K; ++r) {
    const auto& profile = definition.profiles[static_cast<std::size_t>(r)];
    for (int s = 0; s < K; ++s) {
      double sum = 0;
      for (const auto& target : profile.targets) {
        const double d = out.state_z(s, indicator_index(definition, target.indicator)) - target.z;
        sum += d * d;
      }
      out.distance(s, r) =
          std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, profile.targets.size())));
    }
  }
  // MR-BR-03 applies to the global model, which defines the three indicators it reads.
  int distress_label = -1;
  for (int r = 0; r < K; ++r) {
    if (definition.profiles[static_cast<std::size_t>(r)].label == kIdiosyncraticDistress)
      distress_label = r;
  }
  std::vector<bool> qualifies(static_cast<std::size_t>(K), true);
  bool any_qualifies = true;
  if (distress_label >= 0) {
    any_qualifies = false;
    for (int s = 0; s < K; ++s) {
      qualifies[static_cast<std::size_t>(s)] = distress_condition_holds(
          out.state_z(s, indicator_index(definition, "mmd_ust_ratio_10y")),
          out.state_z(s, indicator_index(definition, "muni_fund_flows_net")),
          out.state_z(s, indicator_index(definition, "high_yield_credit_spread")), condition);
      any_qualifies = any_qualifies || qualifies[static_cast<std::size_t>(s)];
    }
  }
  // The nearest label of each state other than Idiosyncratic_Distress (used when no state may
  // take it: the distress column becomes "the nearest other label", so the extra state's cost is
  // part of the optimum).
  std::vector<int> nearest_other(static_cast<std::size_t>(K), -1);
  for (int s = 0; s < K; ++s) {
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < K; ++r) {
      if (r == distress_label) continue;
      if (out.distance(s, r) < best) {
        best = out.distance(s, r);
        nearest_other[static_cast<std::size_t>(s)] = r;
      }
    }
  }
  Matrix cost = out.distance;
  if (distress_label >= 0) {
    // An infeasible cell costs more than any feasible assignment (each distance is finite and a
    // feasible assignment exists whenever some state qualifies), so the optimum avoids it.
    const double forbidden = 1.0 + out.distance.sum() * 2.0;
    for (int s = 0; s < K; ++s) {
      if (!any_qualifies) {
        cost(s, distress_label) = out.distance(s, nearest_other[static_cast<std::size_t>(s)]);
      } else if (!qualifies[static_cast<std::size_t>(s)]) {
        cost(s, distress_label) = forbidden + out.distance(s, distress_label);
      }
    }
  }
  const auto assignment = mapping::hungarian(cost);
  out.assigned = assignment.column_of_row;
  out.cost = 0.0;
  for (int s = 0; s < K; ++s) {
    int& label = out.assigned[static_cast<std::size_t>(s)];
    if (label == distress_label && !any_qualifies)
      label = nearest_other[static_cast<std::size_t>(s)];
    out.cost += out.distance(s, label);
  }
  out.serving = out.assigned;
  out.fallback.assign(static_cast<std::size_t>(K), -1);
  for (int s = 0; s < K; ++s) {
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < K; ++r) {
      if (r == out.assigned[static_cast<std::size_t>(s)] || r == distress_label) continue;
      if (out.distance(s, r) < best) {
        best = out.distance(s, r);
        out.fallback[static_cast<std::size_t>(s)] = r;
      }
    }
  }
  if (distress_label >= 0 && any_qualifies) {
    for (int s = 0; s < K; ++s) {
      if (out.assigned[static_cast<std::size_t>(s)] == distress_label) out.distress_state = s;
    }
    check_invariant(
        out.distress_state.has_value() && qualifies[static_cast<std::size_t>(*out.distress_state)],
        "the assignment gave Idiosyncratic_Distress to a state failing MR-BR-03");
    out.distress_state_qualifies = true;
  }
  return out;
}

StateMapping remap_states(const Matrix& state_means, const GlobalStatistics& stats,
                          const ModelDefinition& definition, const std::vector<int>& previous,
                          double margin_per_state, const DistressCondition& condition) {
  check_arg(margin_per_state >= 0 && std::isfinite(margin_per_state), "margin_per_state",
            "must be finite and >= 0");
  StateMapping out = map_states(state_means, stats, definition, condition);
  out.optimal_cost = out.cost;
  const int K = definition.n_states();
  if (static_cast<int>(previous.size()) != K) return out;
  int distress_label = -1;
  for (int r = 0; r < K; ++r) {
    if (definition.profiles[static_cast<std::size_t>(r)].label == kIdiosyncraticDistress)
      distress_label = r;
  }
  // Allowed now? The same structure map_states produces: one-to-one with Idiosyncratic_Distress on
  // a state meeting MR-BR-03 when the optimum uses it; otherwise Idiosyncratic_Distress unused and
  // every other label used.
  std::vector<int> uses(static_cast<std::size_t>(K), 0);
  for (const int r : previous) {
    if (r < 0 || r >= K) return out;
    ++uses[static_cast<std::size_t>(r)];
  }
  const bool optimum_uses_distress = out.distress_state.has_value();
  for (int r = 0; r < K; ++r) {
    const int n = uses[static_cast<std::size_t>(r)];
    if (r == distress_label) {
      if (n != (optimum_uses_distress ? 1 : 0)) return out;
    } else if (n < 1 || (optimum_uses_distress && n != 1)) {
      return out;
    }
  }
  std::optional<int> distress_state;
  if (distress_label >= 0 && optimum_uses_distress) {
    for (int s = 0; s < K; ++s) {
      if (previous[static_cast<std::size_t>(s)] != distress_label) continue;
      if (!distress_condition_holds(
              out.state_z(s, indicator_index(definition, "mmd_ust_ratio_10y")),
              out.state_z(s, indicator_index(definition, "muni_fund_flows_net")),
              out.state_z(s, indicator_index(definition, "high_yield_credit_spread")), condition)) {
        return out;
      }
      distress_state = s;
    }
  }
  double cost = 0;
  for (int s = 0; s < K; ++s) cost += out.distance(s, previous[static_cast<std::size_t>(s)]);
  if (!(cost <= out.cost + margin_per_state * static_cast<double>(K))) return out;
  out.kept_previous = true;
  out.assigned = previous;
  out.serving = previous;
  out.cost = cost;
  out.distress_state = distress_state;
  for (int s = 0; s < K; ++s) {
    double best = std::numeric_limits<double>::infinity();
    out.fallback[static_cast<std::size_t>(s)] = -1;
    for (int r = 0; r < K; ++r) {
      if (r == out.assigned[static_cast<std::size_t>(s)] || r == distress_label) continue;
      if (out.distance(s, r) < best) {
        best = out.distance(s, r);
        out.fallback[static_cast<std::size_t>(s)] = r;
      }
    }
  }
  return out;
}

MappingDiagnostics diagnose(const StateMapping& mapping, const ModelDefinition& definition,
                            const DistressCondition& condition) {
  MappingDiagnostics out;
  const int K = definition.n_states();
  const auto position = [&](const std::string& name) -> int {
    for (std::size_t i = 0; i < definition.indicators.size(); ++i) {
      if (definition.indicators[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  const auto label_of = [&](int r) {
    return definition.profiles[static_cast<std::size_t>(r)].label;
  };
  std::vector<int> stress;
  for (const char* name :
       {"vix_index", "move_index", "investment_grade_credit_spread", "high_yield_credit_spread"}) {
    if (const int i = position(name); i >= 0) stress.push_back(i);
  }
  if (stress.size() == 4 && mapping.state_z.rows() == K) {
    for (int s = 0; s < K; ++s) {
      double score = 0;
      for (const int i : stress) score += mapping.state_z(s, i);
      score /= 4.0;
      if (!out.stress_state || score > out.stress_score) {
        out.stress_state = s;
        out.stress_score = score;
      }
    }
    const std::string served =
        label_of(mapping.serving[static_cast<std::size_t>(*out.stress_state)]);
    out.stress_inversion = served != "Recession_Easing" && served != "Bull_Flattener";
  }
  for (int r = 0; r < K; ++r) {
    if (std::find(mapping.serving.begin(), mapping.serving.end(), r) != mapping.serving.end())
      continue;
    const std::string label = label_of(r);
    std::string reason;
    if (label == kIdiosyncraticDistress) {
      const int ratio = position("mmd_ust_ratio_10y");
      const int flows = position("muni_fund_flows_net");
      const int hy = position("high_yield_credit_spread");
      // The state closest to meeting MR-BR-03: the largest smallest margin of its three parts.
      int closest = 0;
      double best_margin = -std::numeric_limits<double>::infinity();
      for (int s = 0; s < K; ++s) {
        const double zr = mapping.state_z(s, ratio);
        const double margin =
            std::min({zr - condition.ratio_min, condition.flows_max - mapping.state_z(s, flows),
                      zr - mapping.state_z(s, hy) - condition.divergence_min});
        if (margin > best_margin) {
          best_margin = margin;
          closest = s;
        }
      }
      char buffer[256];
      std::snprintf(buffer, sizeof buffer,
                    "no state meets MR-BR-03 (closest S%d: z ratio %.2f, z flows %.2f, z ratio - z "
                    "high yield %.2f)",
                    closest, mapping.state_z(closest, ratio), mapping.state_z(closest, flows),
                    mapping.state_z(closest, ratio) - mapping.state_z(closest, hy));
      reason = buffer;
    } else {
      reason = "no state is assigned to it (a model stored before MR-BR-03 entered the assignment)";
    }
    std::string line = label + ": ";
    line += reason;
    out.unserved.push_back(std::move(line));
  }
  return out;
}

}  // namespace mre::regimes::hierarchical
