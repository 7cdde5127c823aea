// State-to-label mapping (MR-BR-09, MR-IMPL-03): z-scores of each HMM state's means against
// the training data's global statistics, Euclidean distance to every label's target profile
// over the indicators that label defines, and the lowest-cost one-to-one assignment (the
// Hungarian method). Then the MR-BR-03 validation of the state assigned Idiosyncratic_Distress.
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
  Matrix state_z;   // K x I: (mu_{S,I} - mu_I) / sigma_I
  Matrix distance;  // K x R: Score(S, R) = sqrt(sum over I in R of (Z_{S,I} - T_{R,I})^2)
  std::vector<int> assigned;  // label index of each state (Hungarian), one-to-one
  double cost = 0.0;          // sum of the assigned distances
  // The label each state's probability counts toward when serving. Equal to `assigned` except
  // for a state assigned Idiosyncratic_Distress whose z-scores fail MR-BR-03: that state is not
  // mapped to the regime (MR-BR-03: "only if it meets") and serves its next-best label.
  std::vector<int> serving;
  // Each state's next-best label by distance, excluding its assigned one: where an
  // Idiosyncratic_Distress state's probability goes for an observation failing MR-BR-03.
  std::vector<int> fallback;
  std::optional<int> distress_state;   // the state assigned Idiosyncratic_Distress, if any
  bool distress_state_qualifies = false;  // its z-scores meet MR-BR-03
};

// REQUIRES: state_means K x I with I = definition.indicators.size() and K = number of labels;
// stats over the same I columns with every std > 0.
StateMapping map_states(const Matrix& state_means, const GlobalStatistics& stats, const ModelDefinition& definition,
                        const DistressCondition& condition = {});

// The index of `indicator` among the definition's indicators; throws InvalidArgument if absent.
int indicator_index(const ModelDefinition& definition, const std::string& indicator);

}  // namespace mre::regimes::hierarchical
