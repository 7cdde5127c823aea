// See hmm_settings.h.
#include "mre/workflows/detail/hmm_settings.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "mre/workflows/detail/yaml_file.h"

namespace mre::workflows::detail {

void parse_hmm_settings(const std::filesystem::path& path, const YAML::Node& h,
                        regimes::hmm::GaussianHmmConfig& config, bool allow_n_states) {
  std::vector<std::string> keys = {
      "covariance",        "n_iter",           "tol",         "n_init", "seed", "min_covar",
      "screen_iterations", "covariance_prior", "acceleration"};
  if (allow_n_states) keys.insert(keys.begin(), "n_states");
  only_keys(path, h, keys, "hmm: ");
  if (allow_n_states && h["n_states"])
    config.n_states = count_in_range(path, h["n_states"], "n_states", regimes::hmm::kMinStates,
                                     regimes::hmm::kMaxStates);
  if (h["covariance"]) {
    try {
      config.covariance = regimes::hmm::parse_covariance(h["covariance"].Scalar());
    } catch (const Error& e) {
      fail(path, h["covariance"], e.what());
    }
  }
  if (h["n_iter"]) config.n_iter = count_in_range(path, h["n_iter"], "n_iter", 1, 1'000'000);
  if (h["tol"]) config.tol = scalar<double>(path, h["tol"], "tol");
  if (h["n_init"]) config.n_init = count_in_range(path, h["n_init"], "n_init", 1, 1'000);
  if (h["seed"]) config.seed = scalar<std::uint64_t>(path, h["seed"], "seed");
  if (h["min_covar"]) config.min_covar = scalar<double>(path, h["min_covar"], "min_covar");
  if (h["screen_iterations"]) {
    config.screen_iterations =
        count_in_range(path, h["screen_iterations"], "screen_iterations", 0, 1'000'000);
  }
  if (h["covariance_prior"]) {
    try {
      config.covariance_prior =
          regimes::hmm::parse_covariance_prior(h["covariance_prior"].Scalar());
    } catch (const Error& e) {
      fail(path, h["covariance_prior"], e.what());
    }
    if (config.covariance_prior != regimes::hmm::CovariancePrior::kNone &&
        config.covariance != regimes::hmm::CovarianceType::kFull) {
      fail(path, h["covariance_prior"],
           "'covariance_prior: fraley_raftery' needs 'covariance: full'");
    }
  }
  if (h["acceleration"]) {
    try {
      config.acceleration = regimes::hmm::parse_acceleration(h["acceleration"].Scalar());
    } catch (const Error& e) {
      fail(path, h["acceleration"], e.what());
    }
  }
}

}  // namespace mre::workflows::detail
