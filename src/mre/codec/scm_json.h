// A fitted SCM version as JSON: graph, transforms, coefficients with their covariance and
// diagnostics, the data (dates, changes), the shock regimes and copula. Numbers are written
// with round-trip precision, so a read-back model gives bit-identical counterfactuals.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mre/scm/model.h"
#include "mre/scm/simulate.h"
#include "mre/store/store.h"

namespace mre::codec {

std::string scm_model_to_json(const scm::FittedScm& model);
// InvalidArgument naming `source` and the field for malformed documents.
scm::FittedScm scm_model_from_json(const std::string& text, const std::string& source);

// [{"node": ..., "unit": ..., "mean": ..., "q05": ..., ..., "q95": ...}]
std::string effect_summaries_to_json(const std::vector<scm::EffectSummary>& effects);
std::vector<scm::EffectSummary> effect_summaries_from_json(const std::string& text,
                                                           const std::string& source);

// A computed scenario as POST /api/counterfactual answers it: the run, the fans per world and
// node (q05, q25, q50, q75, q95 per day), the effects at the horizon (pooled and per regime) and
// the narrative, in one object.
struct ScenarioResponse {
  std::string scm_version{};
  store::ScenarioRun run{};
  std::vector<Date> dates{};
  std::string uncertainty{};  // workflows::describe of the bands' settings
  std::vector<std::string> warnings{};
  std::vector<store::ScenarioFanRow> rows{};
  std::vector<scm::EffectSummary> effects{};
  std::string narrative{};
  std::string regime_version{};
  std::vector<std::pair<std::string, std::vector<scm::EffectSummary>>>
      regime_effects{};  // (regime, effects)
};
std::string scenario_response_to_json(const ScenarioResponse& response);
// The same as a document (keys sorted): scenario_response_to_json is its dump() with bytes that
// are not UTF-8 replaced by U+FFFD, as the API encodes every document.
nlohmann::json scenario_response_document(const ScenarioResponse& response);

}  // namespace mre::codec
