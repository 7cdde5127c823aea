// Gaussian HMM parameters and fit summaries as JSON (save / load / warm start).
#pragma once

#include <string>
#include <vector>

#include "mre/regimes/hmm/gaussian_hmm.h"

namespace mre::codec {

// {"model": "gaussian_hmm", "covariance": "full", "features": [...], "initial": [...],
//  "transition": [[...]], "means": [[...]], "covariances": [[[...]]]} (+ optional "filtered_last").
std::string hmm_params_to_json(const regimes::hmm::GaussianHmmParams& params,
                               const std::vector<std::string>& features);

struct LoadedHmm {
  regimes::hmm::GaussianHmmParams params;
  std::vector<std::string> features;
};
// Throws InvalidArgument naming `source` and the field for malformed JSON or shapes that do
// not fit together.
LoadedHmm hmm_params_from_json(const std::string& text, const std::string& source);

// The fit summary printed by `mre regimes fit --data`.
std::string hmm_fit_summary_json(const regimes::hmm::GaussianHmmFit& fit, std::size_t observations);

}  // namespace mre::codec
