// Regime versions as JSON: the model description and its rows (probabilities by label).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mre/regimes/comparison.h"
#include "mre/store/store.h"

namespace mre::codec {

// {"version", "kind", "feature_version", "labels": [...], "regimes": [{"date", "regime", "score",
//  "probabilities": {"LABEL": p, ...}}, ...]}
std::string regimes_to_json(const store::RegimeModel& model,
                            const std::vector<store::RegimeRow>& rows);
// The same as a document, keys in that order (the API encodes it as JSON or CSV and adds to it;
// regimes_to_json is its dump()).
nlohmann::ordered_json regimes_document(const store::RegimeModel& model,
                                        const std::vector<store::RegimeRow>& rows);

// The comparison of two versions (agreement, confusion, durations, transitions, conditional
// returns) and a list of analogues.
std::string comparison_to_json(const regimes::RegimeComparison& comparison);
// The comparison as a document, keys in that order: comparison_to_json is its dump(1).
nlohmann::ordered_json comparison_document(const regimes::RegimeComparison& comparison);
std::string analogues_to_json(const std::vector<regimes::Analogue>& analogues);

}  // namespace mre::codec
