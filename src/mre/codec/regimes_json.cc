// Regime rows -> JSON.
#include "mre/codec/regimes_json.h"

#include <nlohmann/json.hpp>

namespace mre::codec {

std::string regimes_to_json(const store::RegimeModel& model, const std::vector<store::RegimeRow>& rows) {
  nlohmann::ordered_json out;
  out["version"] = model.version;
  out["kind"] = model.kind;
  out["feature_version"] = model.feature_version;
  out["labels"] = model.labels;
  auto& list = out["regimes"] = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json probabilities;
    for (std::size_t k = 0; k < model.labels.size() && k < r.probabilities.size(); ++k) {
      probabilities[model.labels[k]] = r.probabilities[k];
    }
    list.push_back({{"date", r.date.iso()}, {"regime", r.regime}, {"score", r.score}, {"probabilities", probabilities}});
  }
  return out.dump();
}

}  // namespace mre::codec
