// Jump-model parameters and fit summaries as JSON (`regimes fit --data --method jump --out`, the
// params of a stored jump regime version, `regimes predict`).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mre/regimes/jump/jump_model.h"

namespace mre::codec {

// {"model": "jump", "n_states": K, "jump_penalty": lambda, "continuous": bool, "grid_size": g,
//  "mode_loss": bool, "features": [...], "mean": [...], "scale": [...], "centers": [[...]]}
std::string jump_params_to_json(const regimes::jump::JumpModelParams& params,
                                const std::vector<std::string>& features);

struct LoadedJump {
  regimes::jump::JumpModelParams params;
  std::vector<std::string> features;
};
// InvalidArgument naming `source` and the field for malformed JSON, a negative penalty, or shapes
// that do not fit together.
LoadedJump jump_params_from_json(const std::string& text, const std::string& source);

// True when `text` is a JSON object whose "model" is "jump" (to choose the loader).
bool is_jump_params_json(const std::string& text);

// The fit summary printed by `mre regimes fit --data --method jump`.
std::string jump_fit_summary_json(const regimes::jump::JumpModelFit& fit,
                                  const regimes::jump::JumpModelConfig& config,
                                  std::size_t observations);

}  // namespace mre::codec
