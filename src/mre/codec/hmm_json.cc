// Gaussian HMM <-> JSON with nlohmann::json; doubles are written with 17 significant digits by
// the library's shortest round-trip formatting, so a saved model reloads bit for bit.
#include "mre/codec/hmm_json.h"

#include <nlohmann/json.hpp>

#include "mre/codec/json_matrix.h"
#include "mre/core/error.h"

namespace mre::codec {
namespace {

using nlohmann::json;
namespace hmm = regimes::hmm;


[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, source + ": " + what);
}


}  // namespace

std::string hmm_params_to_json(const hmm::GaussianHmmParams& params, const std::vector<std::string>& features) {
  json out;
  out["model"] = "gaussian_hmm";
  out["covariance"] = hmm::covariance_name(params.covariance);
  out["features"] = features;
  out["initial"] = std::vector<double>(params.initial.data(), params.initial.data() + params.initial.size());
  out["transition"] = matrix_json(params.transition);
  out["means"] = matrix_json(params.means);
  json covariances = json::array();
  for (const auto& c : params.covariances) covariances.push_back(matrix_json(c));
  out["covariances"] = std::move(covariances);
  return out.dump(1);
}

LoadedHmm hmm_params_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    bad(source, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object() || j.value("model", "") != "gaussian_hmm") bad(source, "not a gaussian_hmm model ('model' field)");
  for (const char* field : {"covariance", "initial", "transition", "means", "covariances"}) {
    if (!j.contains(field)) bad(source, std::string("missing field '") + field + "'");
  }
  LoadedHmm out;
  out.params.covariance = hmm::parse_covariance(j["covariance"].get<std::string>());
  if (j.contains("features")) out.features = j["features"].get<std::vector<std::string>>();
  const auto initial = j["initial"].get<std::vector<double>>();
  out.params.initial = Eigen::Map<const Vector>(initial.data(), static_cast<Eigen::Index>(initial.size()));
  out.params.transition = matrix_from_json(j["transition"], source, "transition");
  out.params.means = matrix_from_json(j["means"], source, "means");
  for (const auto& c : j["covariances"]) out.params.covariances.push_back(matrix_from_json(c, source, "covariances"));
  try {
    hmm::validate(out.params, static_cast<int>(out.params.means.cols()));
  } catch (const Error& e) {
    bad(source, e.what());
  }
  if (!out.features.empty() && static_cast<Eigen::Index>(out.features.size()) != out.params.means.cols()) {
    bad(source, "'features' names " + std::to_string(out.features.size()) + " columns but the means have " +
                    std::to_string(out.params.means.cols()));
  }
  return out;
}

std::string hmm_fit_summary_json(const hmm::GaussianHmmFit& fit, std::size_t observations) {
  json out;
  out["log_likelihood"] = fit.log_likelihood;
  out["iterations"] = fit.iterations;
  out["converged"] = fit.converged;
  out["monotone"] = fit.monotone;
  out["aic"] = fit.aic;
  out["bic"] = fit.bic;
  out["n_states"] = fit.params.n_states();
  out["covariance"] = hmm::covariance_name(fit.params.covariance);
  out["free_parameters"] = fit.params.n_free_parameters();
  out["observations"] = observations;
  out["best_init"] = fit.best_init;
  out["reseeded_states"] = fit.reseeded_states;
  const Vector durations = hmm::expected_durations(fit.params.transition);
  out["expected_durations"] = std::vector<double>(durations.data(), durations.data() + durations.size());
  return out.dump(1);
}

}  // namespace mre::codec
