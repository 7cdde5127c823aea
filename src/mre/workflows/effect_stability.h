// Effect stability (issue 27), computed when a grid of effects is estimated and stored with its
// version: for each effect, the DML final stage on rolling ten-year windows of its cross-fitted
// residuals, the last five years' estimate and whether its interval excludes the full-sample
// one, and Andrews' sup-Wald break test (causal/stability.h). Stored as the artefact kind
// `effect_stability` under the effects version's own tag (input effects_version); `mre monitor`
// reads it and never re-estimates.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/causal/stability.h"
#include "mre/codec/monitor_artefacts.h"
#include "mre/store/store.h"
#include "mre/workflows/effects.h"

namespace mre::workflows {

// The settings on the monthly effects grid: windows of 120 months every 12, the recent 60.
causal::StabilityConfig effect_stability_config(const EffectEstimate& estimate);

// Adds the stability of one DML estimate (from its residuals and panel dates) to `cells`; an
// estimate with fewer rows than the window (or no residuals: the X-learner) adds nothing and
// returns the reason.
std::optional<std::string> collect_stability(std::vector<codec::StabilityCell>& cells,
                                             const EffectEstimate& estimate);

// Stores the cells under the effects version's tag (same again: nothing written).
void write_effect_stability(store::Store& store, const std::string& effects_version,
                            const std::vector<codec::StabilityCell>& cells);

// The stored stability of an effects version; nullopt when none was stored (a version
// estimated before issue 27, or one whose every cell was too short).
std::optional<std::vector<codec::StabilityCell>> read_effect_stability(
    const store::Store& store, const std::string& effects_version);

}  // namespace mre::workflows
