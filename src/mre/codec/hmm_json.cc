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

// The JSON text of a value for an error message, cut at 60 characters.
std::string shown(const json& j) {
  std::string text = j.dump();
  if (text.size() > 60) text = text.substr(0, 60) + "...";
  return text;
}

std::string string_field(const json& j, const char* field, const std::string& source) {
  if (!j[field].is_string())
    bad(source, std::string("'") + field + "' must be a string (got " + shown(j[field]) + ")");
  return j[field].get<std::string>();
}

std::vector<double> numbers_field(const json& j, const char* field, const std::string& source) {
  const json& v = j[field];
  if (!v.is_array())
    bad(source, std::string("'") + field + "' must be a list of numbers (got " + shown(v) + ")");
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number())
      bad(source, std::string("'") + field + "'[" + std::to_string(i) + "] must be a number (got " +
                      shown(v[i]) + ")");
    out.push_back(v[i].get<double>());
  }
  return out;
}

std::vector<std::string> strings_field(const json& j, const char* field,
                                       const std::string& source) {
  const json& v = j[field];
  if (!v.is_array())
    bad(source, std::string("'") + field + "' must be a list of names (got " + shown(v) + ")");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      bad(source, std::string("'") + field + "'[" + std::to_string(i) + "] must be a string (got " +
                      shown(v[i]) + ")");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

}  // namespace

std::string hmm_params_to_json(const hmm::GaussianHmmParams& params,
                               const std::vector<std::string>& features) {
  json out;
  out["model"] = "gaussian_hmm";
  out["covariance"] = hmm::covariance_name(params.covariance);
  out["features"] = features;
  out["initial"] =
      std::vector<double>(params.initial.data(), params.initial.data() + params.initial.size());
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
  } catch (const json::exception& e) {
    bad(source, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) bad(source, "not a gaussian_hmm model (the top level is not a JSON object)");
  if (!j.contains("model") || !j["model"].is_string() ||
      j["model"].get<std::string>() != "gaussian_hmm") {
    bad(source, "not a gaussian_hmm model ('model' is " +
                    (j.contains("model") ? shown(j["model"]) : std::string("missing")) + ")");
  }
  for (const char* field : {"covariance", "initial", "transition", "means", "covariances"}) {
    if (!j.contains(field)) bad(source, std::string("missing field '") + field + "'");
  }
  LoadedHmm out;
  try {
    out.params.covariance = hmm::parse_covariance(string_field(j, "covariance", source));
  } catch (const Error& e) {
    bad(source, std::string("'covariance': ") + e.what());
  }
  if (j.contains("features")) out.features = strings_field(j, "features", source);
  const auto initial = numbers_field(j, "initial", source);
  out.params.initial =
      Eigen::Map<const Vector>(initial.data(), static_cast<Eigen::Index>(initial.size()));
  out.params.transition = matrix_from_json(j["transition"], source, "transition");
  out.params.means = matrix_from_json(j["means"], source, "means");
  if (!j["covariances"].is_array())
    bad(source, "'covariances' must be a list of matrices (got " + shown(j["covariances"]) + ")");
  for (const auto& c : j["covariances"])
    out.params.covariances.push_back(matrix_from_json(c, source, "covariances"));
  try {
    hmm::validate(out.params, static_cast<int>(out.params.means.cols()));
  } catch (const Error& e) {
    bad(source, e.what());
  }
  if (!out.features.empty() &&
      static_cast<Eigen::Index>(out.features.size()) != out.params.means.cols()) {
    bad(source, "'features' names " + std::to_string(out.features.size()) +
                    " columns but the means have " + std::to_string(out.params.means.cols()));
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
  out["expected_durations"] =
      std::vector<double>(durations.data(), durations.data() + durations.size());
  return out.dump(1);
}

}  // namespace mre::codec
