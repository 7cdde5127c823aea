// A fitted SCM version as JSON: graph, transforms, coefficients with their covariance and
// diagnostics, the data (dates, changes), the shock regimes and copula. Numbers are written
// with round-trip precision, so a read-back model gives bit-identical counterfactuals.
#pragma once

#include <string>

#include "mre/scm/model.h"
#include "mre/scm/simulate.h"

namespace mre::codec {

std::string scm_model_to_json(const scm::FittedScm& model);
// InvalidArgument naming `source` and the field for malformed documents.
scm::FittedScm scm_model_from_json(const std::string& text, const std::string& source);

// [{"node": ..., "unit": ..., "mean": ..., "q05": ..., ..., "q95": ...}]
std::string effect_summaries_to_json(const std::vector<scm::EffectSummary>& effects);
std::vector<scm::EffectSummary> effect_summaries_from_json(const std::string& text, const std::string& source);

}  // namespace mre::codec
