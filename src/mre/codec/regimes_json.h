// Regime versions as JSON: the model description and its rows (probabilities by label).
#pragma once

#include <string>
#include <vector>

#include "mre/store/store.h"

namespace mre::codec {

// {"version", "kind", "feature_version", "labels": [...], "regimes": [{"date", "regime", "score",
//  "probabilities": {"LABEL": p, ...}}, ...]}
std::string regimes_to_json(const store::RegimeModel& model, const std::vector<store::RegimeRow>& rows);

}  // namespace mre::codec
