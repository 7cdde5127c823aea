// State-to-label mapping (MR-BR-09, MR-IMPL-03): z-scores of each HMM state's means against
// the training data's global statistics, the root-mean-square distance to every label's target
// profile over the indicators that label defines (so labels defining 2 and 5 indicators compare
// fairly; docs/classifier.md), and the lowest-cost one-to-one assignment (the Hungarian method)
// among the assignments MR-BR-03 allows: only a state meeting it may take Idiosyncratic_Distress.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/regimes/hierarchical/profiles.h"

namespace mre::regimes::hierarchical {

// Global mean and (sample, n - 1) standard deviation of each column over its present values.
struct GlobalStatistics {
  Vector mean;
  Vector std;
};
GlobalStatistics global_statistics(const Matrix& data);

struct StateMapping {
  Matrix state_z;  // K x I: (mu_{S,I} - mu_I) / sigma_I
  // K x R: Score(S, R) / sqrt(|R|) = sqrt(mean over I in R of (Z_{S,I} - T_{R,I})^2), the RMS
  // form of MR-IMPL-03 step 4's Euclidean score.
  Matrix distance;
  // Label index of each state: the minimum-cost assignment in which only a state meeting
  // MR-BR-03 may take Idiosyncratic_Distress. One-to-one when some state meets MR-BR-03; when
  // none does, Idiosyncratic_Distress is left unassigned and the one state not matched to another
  // label takes its nearest other label (so two states share it), chosen jointly at minimum cost.
  std::vector<int> assigned;
  double cost = 0.0;  // sum of the assigned distances
  // The label each state's probability counts toward when serving: equal to `assigned` (models
  // stored before MR-BR-03 entered the assignment may differ: a state assigned
  // Idiosyncratic_Distress that failed it served its next-best label).
  std::vector<int> serving;
  // Each state's next-best label by distance, excluding its assigned one: where an
  // Idiosyncratic_Distress state's probability goes for an observation failing MR-BR-03.
  std::vector<int> fallback;
  std::optional<int> distress_state;      // the state assigned Idiosyncratic_Distress, if any
  bool distress_state_qualifies = false;  // its z-scores meet MR-BR-03
  // remap_states only: the previous assignment was kept (within the margin of the optimum), and
  // the optimum's cost (equal to `cost` when not kept).
  bool kept_previous = false;
  double optimal_cost = 0.0;
};

// What the mapping report says beyond the assignment: the stress inversion (the state with the
// highest mean z of VIX, MOVE, IG and HY not mapped to Recession_Easing or Bull_Flattener) and,
// for every label no state serves, why. Computed from a mapping and its definition (global model:
// the stress indicators present; other models: no stress check).
struct MappingDiagnostics {
  std::optional<int> stress_state;  // argmax over states of the mean stress z-score
  double stress_score = 0.0;        // its mean z of vix_index, move_index, IG and HY spreads
  bool stress_inversion =
      false;  // its serving label is neither Recession_Easing nor Bull_Flattener
  std::vector<std::string> unserved;  // one line per label no state serves: "LABEL: reason"
};
MappingDiagnostics diagnose(const StateMapping& mapping, const ModelDefinition& definition,
                            const DistressCondition& condition = {});

// REQUIRES: state_means K x I with I = definition.indicators.size() and K = number of labels;
// stats over the same I columns with every std > 0.
StateMapping map_states(const Matrix& state_means, const GlobalStatistics& stats,
                        const ModelDefinition& definition, const DistressCondition& condition = {});

// Re-mapping a retrained model whose states were aligned to the previous model's (issue 18): the
// mapping of map_states, except that the previous model's assignment `previous` (one label per
// state, e.g. its `assigned`) is kept when it is still allowed (MR-BR-03: a state taking
// Idiosyncratic_Distress meets it; one-to-one when some state meets it, else Idiosyncratic_
// Distress unused and every other label used) and its cost under the new distances exceeds the
// new optimum's by at most `margin_per_state` times the number of states. A stated hysteresis:
// an aligned state keeps its label unless the evidence moved the optimum by more than the margin.
// docs/classifier.md gives the margin and why.
StateMapping remap_states(const Matrix& state_means, const GlobalStatistics& stats,
                          const ModelDefinition& definition, const std::vector<int>& previous,
                          double margin_per_state, const DistressCondition& condition = {});

// The index of `indicator` among the definition's indicators; throws InvalidArgument if absent.
int indicator_index(const ModelDefinition& definition, const std::string& indicator);

}  // namespace mre::regimes::hierarchical
