// The text of `mre classify mapping-report VERSION` for a classifier version: each model's state
// z-scores, distances to the label profiles, the assignment and its checks (MR-BR-03), the
// backfills of the same spec and the sign-offs (MR-BR-10). No statistics here: the workflow
// (workflows/classify.cc) passes what the fitted mapping holds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"

namespace mre::narrative {

// One model of the hierarchy (global_macro or muni): K states, I indicators, K labels.
struct MappingReportModel {
  std::string name{};
  std::vector<std::string> indicators{};        // I
  std::vector<std::string> labels{};            // the K labels' profiles, in order
  std::vector<std::vector<double>> state_z{};   // [state][indicator]: (mean - mean_I) / std_I
  std::vector<std::vector<double>> distance{};  // [state][label]: to the label's target profile
  std::vector<int> assigned{};                  // per state: the label the assignment gives it
  std::vector<int> serving{};                   // per state: the label it serves
  std::vector<int> fallback{};                  // per state: the next-best label
  double cost = 0.0;                            // the assignment's total distance
  std::optional<int> distress_state{};          // the state assigned Idiosyncratic_Distress, if any
  bool distress_state_qualifies = false;        // its z-scores meet MR-BR-03
  std::optional<int> stress_state{};            // the most stressed state
  double stress_score = 0.0;                    // its mean z of VIX, MOVE, IG and HY
  bool stress_inversion = false;        // it serves neither Recession_Easing nor Bull_Flattener
  std::vector<std::string> unserved{};  // "LABEL: reason" per label no state serves
};

struct MappingReportSignOff {
  std::string model{};
  std::string approved_by{};
  std::string approved_at{};  // ISO time
};

struct MappingReportFacts {
  std::string version{};
  std::string spec_name{};
  std::string source{};  // what it was trained on (a feature version or csv:FILE)
  std::string trained_from{};
  std::string trained_to{};
  std::optional<Date> retrain_due{};  // MR-AI-04
  int retrain_every_months = 0;
  std::vector<MappingReportModel> models{};
  std::vector<std::string> backfills{};  // backfill versions of the same spec
  std::vector<MappingReportSignOff> sign_offs{};
};

std::string classifier_mapping_report(const MappingReportFacts& facts);

}  // namespace mre::narrative
