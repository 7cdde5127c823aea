// The tables of seed 003, sections 3.1, 5, 6 and 7, as data.
#include "mre/regimes/hierarchical/profiles.h"

namespace mre::regimes::hierarchical {

const std::vector<std::string>& mr_ds_01_indicators() {
  static const std::vector<std::string> names = {"yield_curve_slope_10y2y",
                                                 "mmd_ust_ratio_10y",
                                                 "vix_index",
                                                 "move_index",
                                                 "investment_grade_credit_spread",
                                                 "high_yield_credit_spread",
                                                 "tips_breakeven_5y",
                                                 "swap_spread_10y",
                                                 "muni_fund_flows_net",
                                                 "us_cpi_yoy"};
  return names;
}

const ModelDefinition& global_macro_definition() {
  static const ModelDefinition definition{
      .name = "global_macro",
      .indicators = mr_ds_01_indicators(),
      .profiles = {
          {"Bull_Steepener",
           {{"yield_curve_slope_10y2y", 1.0},
            {"investment_grade_credit_spread", -1.0},
            {"high_yield_credit_spread", -1.0},
            {"vix_index", -1.0},
            {"move_index", -1.0}}},
          {"Bear_Flattener", {{"yield_curve_slope_10y2y", -1.0}, {"move_index", 1.0}}},
          {"Bear_Steepener",
           {{"yield_curve_slope_10y2y", 1.0},
            {"tips_breakeven_5y", 1.0},
            {"move_index", 1.0},
            {"vix_index", 1.0}}},
          {"Bull_Flattener",
           {{"yield_curve_slope_10y2y", -1.0},
            {"investment_grade_credit_spread", 1.0},
            {"high_yield_credit_spread", 1.0},
            {"vix_index", 1.0}}},
          {"Recession_Easing",
           {{"yield_curve_slope_10y2y", -1.5},
            {"investment_grade_credit_spread", 1.5},
            {"high_yield_credit_spread", 1.5},
            {"move_index", 1.5}}},
          // high_yield_credit_spread is "N/A" in the table: it enters through MR-BR-03 only.
          {"Idiosyncratic_Distress", {{"mmd_ust_ratio_10y", 1.5}, {"muni_fund_flows_net", -1.5}}},
      }};
  return definition;
}

const ModelDefinition& muni_definition() {
  static const ModelDefinition definition{
      .name = "muni",
      .indicators = {"mmd_ust_ratio_10y", "muni_fund_flows_net"},
      .profiles = {
          {"Muni_Rich_Market", {{"mmd_ust_ratio_10y", -1.0}, {"muni_fund_flows_net", 1.0}}},
          {"Muni_Cheap_Market", {{"mmd_ust_ratio_10y", 1.0}, {"muni_fund_flows_net", -1.0}}},
          {"Muni_Neutral", {{"mmd_ust_ratio_10y", 0.0}, {"muni_fund_flows_net", 0.0}}},
      }};
  return definition;
}

bool distress_condition_holds(double z_ratio, double z_flows, double z_high_yield,
                              const DistressCondition& c) {
  // z-scores are computed in floating point: a value exactly on a boundary (a state whose
  // means sit at the targets, mean + 1.5 sd) must not fail by a rounding error.
  constexpr double kRounding = 1e-9;
  return z_ratio >= c.ratio_min - kRounding && z_flows <= c.flows_max + kRounding &&
         z_ratio - z_high_yield >= c.divergence_min - kRounding;
}

std::string_view volatility_regime(double vix) {
  if (vix < 20.0) return "Low";
  if (vix < 30.0) return "Medium";
  return "High";
}

}  // namespace mre::regimes::hierarchical
