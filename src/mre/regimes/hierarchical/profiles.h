// The hierarchical classifier's fixed vocabulary (seed 003, "Market Regime Feature
// Requirements"): the ten MR-DS-01 indicators, the six global macro regimes with their target
// z-score profiles (MR-BR-01), the three MUNI regimes (MR-BR-06), the MR-BR-03 distress
// condition and the MR-BR-07 volatility buckets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mre::regimes::hierarchical {

// The ten indicators of MR-DS-01, in the seed's table order (the global model's column order).
const std::vector<std::string>& mr_ds_01_indicators();

struct Target {
  std::string indicator{};
  double z = 0.0;  // the target z-score T_{R,I}
};

struct RegimeProfile {
  std::string label{};
  std::vector<Target> targets{};  // only the indicators the label defines (MR-IMPL-03 step 4)
};

// One model of the hierarchy: its indicators (HMM columns) and its labels' profiles.
struct ModelDefinition {
  std::string name{};                     // "global_macro" | "muni"
  std::vector<std::string> indicators{};  // the HMM's columns, in order
  std::vector<RegimeProfile> profiles{};  // the labels, in MR-DS-02 output order
  int n_states() const { return static_cast<int>(profiles.size()); }
};

// MR-BR-01/02: six labels over the ten MR-DS-01 indicators.
const ModelDefinition& global_macro_definition();
// MR-BR-05/06: three labels over mmd_ust_ratio_10y and muni_fund_flows_net.
const ModelDefinition& muni_definition();

inline constexpr std::string_view kIdiosyncraticDistress = "Idiosyncratic_Distress";

// MR-BR-03: a state (or an observation) qualifies for Idiosyncratic_Distress only when
// z(mmd_ust_ratio_10y) >= 1.5, z(muni_fund_flows_net) <= -1.5 and
// z(mmd_ust_ratio_10y) - z(high_yield_credit_spread) >= 1.5.
struct DistressCondition {
  double ratio_min = 1.5;
  double flows_max = -1.5;
  double divergence_min = 1.5;
};
bool distress_condition_holds(double z_ratio, double z_flows, double z_high_yield,
                              const DistressCondition& condition = {});

// MR-BR-07: "Low" below 20, "Medium" from 20 to below 30, "High" from 30.
std::string_view volatility_regime(double vix);

// Issue 18: one MR-DS-01 indicator of one classified observation, with how old its data was on
// the observation's date by the one staleness rule (sources::is_stale, applied by
// workflows/freshness.h: indicator_ages). Plain values for the codecs.
struct IndicatorCoverage {
  bool used = false;  // present in the observation (absent ones are marginalised)
  // The date minus the newest observation known then of its oldest input series; empty when its
  // inputs are unknown (a classifier trained on a CSV) or had no observation by then.
  std::optional<int> age_days{};
  bool stale = false;  // an input is stale by the rule on that date (or has no data by then)
};

}  // namespace mre::regimes::hierarchical
