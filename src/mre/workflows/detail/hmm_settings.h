// The `hmm:` block of a regime or classifier spec (covariance, n_iter, tol, n_init, seed,
// min_covar, screen_iterations, covariance_prior, acceleration, and n_states where the spec may
// choose it).
// Callers include <yaml-cpp/yaml.h>.
#pragma once

#include <filesystem>

#include "mre/regimes/hmm/gaussian_hmm.h"

namespace YAML {
class Node;
}

namespace mre::workflows::detail {

// Sets the fields present in `node`; InvalidArgument "PATH:LINE: ..." for an unknown key or a
// value of the wrong type.
void parse_hmm_settings(const std::filesystem::path& path, const YAML::Node& node,
                        regimes::hmm::GaussianHmmConfig& config, bool allow_n_states);

}  // namespace mre::workflows::detail
