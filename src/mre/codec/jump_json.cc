// Jump-model parameters <-> JSON with nlohmann::json (doubles round-trip bit for bit).
#include "mre/codec/jump_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "mre/codec/json_matrix.h"
#include "mre/core/error.h"

namespace mre::codec {
namespace {

using nlohmann::json;
namespace jump = regimes::jump;

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, source + ": " + what);
}

const json& field(const json& j, const char* name, const std::string& source) {
  if (!j.contains(name)) bad(source, std::string("missing field '") + name + "'");
  return j[name];
}

double number(const json& j, const char* name, const std::string& source) {
  const json& v = field(j, name, source);
  if (!v.is_number())
    bad(source, std::string("'") + name + "' must be a number (got " + v.dump() + ")");
  return v.get<double>();
}

bool boolean(const json& j, const char* name, const std::string& source) {
  const json& v = field(j, name, source);
  if (!v.is_boolean())
    bad(source, std::string("'") + name + "' must be true or false (got " + v.dump() + ")");
  return v.get<bool>();
}

Vector vector_field(const json& j, const char* name, const std::string& source) {
  const json& v = field(j, name, source);
  if (!v.is_array()) bad(source, std::string("'") + name + "' must be a list of numbers");
  Vector out(static_cast<Eigen::Index>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number())
      bad(source, std::string("'") + name + "'[" + std::to_string(i) + "] must be a number");
    out(static_cast<Eigen::Index>(i)) = v[i].get<double>();
  }
  return out;
}

}  // namespace

std::string jump_params_to_json(const jump::JumpModelParams& params,
                                const std::vector<std::string>& features) {
  json out;
  out["model"] = "jump";
  out["n_states"] = params.config.n_states;
  out["jump_penalty"] = params.config.jump_penalty;
  out["continuous"] = params.config.continuous;
  out["grid_size"] = params.config.grid_size;
  out["mode_loss"] = params.config.mode_loss;
  out["loss"] = "0.5 * squared euclidean distance";
  out["features"] = features;
  out["mean"] = std::vector<double>(params.mean.data(), params.mean.data() + params.mean.size());
  out["scale"] =
      std::vector<double>(params.scale.data(), params.scale.data() + params.scale.size());
  // An empty state's centroid row is NaN: written as a row of nulls, listed in empty_states.
  out["centers"] = matrix_json(params.centers);
  out["empty_states"] = jump::empty_states_of(params.centers);
  return out.dump(1);
}

bool is_jump_params_json(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  return !j.is_discarded() && j.is_object() && j.contains("model") && j["model"] == "jump";
}

LoadedJump jump_params_from_json(const std::string& text, const std::string& source) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) bad(source, "not valid JSON");
  if (!j.is_object() || !j.contains("model") || j["model"] != "jump")
    bad(source, "not a jump model ('model' is not \"jump\")");
  LoadedJump out;
  auto& p = out.params;
  const double states = number(j, "n_states", source);
  if (!(states >= 1 && states <= 100 && states == std::floor(states)))
    bad(source, "'n_states' must be a whole number in 1..100");
  p.config.n_states = static_cast<int>(states);
  p.config.jump_penalty = number(j, "jump_penalty", source);
  if (!(std::isfinite(p.config.jump_penalty) && p.config.jump_penalty >= 0))
    bad(source, "'jump_penalty' must be a finite number >= 0");
  p.config.continuous = boolean(j, "continuous", source);
  p.config.grid_size = number(j, "grid_size", source);
  p.config.mode_loss = boolean(j, "mode_loss", source);
  // A row of nulls is an empty state's (NaN) centroid; at least one row must be numbers.
  json centers = field(j, "centers", source);
  std::vector<Eigen::Index> empty_rows;
  if (centers.is_array()) {
    for (std::size_t r = 0; r < centers.size(); ++r) {
      json& row = centers[r];
      if (!row.is_array() || row.empty()) continue;
      if (std::all_of(row.begin(), row.end(), [](const json& v) { return v.is_null(); })) {
        empty_rows.push_back(static_cast<Eigen::Index>(r));
        for (auto& v : row) v = 0.0;
      }
    }
  }
  p.centers = matrix_from_json(centers, source, "centers");
  if (static_cast<Eigen::Index>(empty_rows.size()) >= p.centers.rows())
    bad(source, "'centers' must have at least one row of numbers");
  for (const Eigen::Index r : empty_rows)
    p.centers.row(r).setConstant(std::numeric_limits<double>::quiet_NaN());
  p.mean = vector_field(j, "mean", source);
  p.scale = vector_field(j, "scale", source);
  if (p.centers.rows() != p.config.n_states) bad(source, "'centers' must have n_states rows");
  if (p.mean.size() != p.centers.cols() || p.scale.size() != p.centers.cols()) {
    bad(source, "'mean' and 'scale' must have one value per column of 'centers'");
  }
  const auto finite_rows = [&] {
    for (Eigen::Index r = 0; r < p.centers.rows(); ++r) {
      if (!p.centers.row(r).hasNaN() && !p.centers.row(r).allFinite()) return false;
    }
    return true;
  };
  if (!(p.scale.array() > 0).all() || !p.scale.allFinite() || !p.mean.allFinite() ||
      !finite_rows()) {
    bad(source,
        "'centers' (but an empty state's row of nulls), 'mean' and 'scale' must be finite, 'scale' "
        "> 0");
  }
  if (j.contains("features")) {
    const json& f = j["features"];
    if (!f.is_array()) bad(source, "'features' must be a list of names");
    for (const auto& name : f) {
      if (!name.is_string()) bad(source, "'features' must be a list of names");
      out.features.push_back(name.get<std::string>());
    }
    if (static_cast<Eigen::Index>(out.features.size()) != p.centers.cols()) {
      bad(source, "'features' names " + std::to_string(out.features.size()) +
                      " columns but the centers have " + std::to_string(p.centers.cols()));
    }
  }
  try {
    (void)jump::candidate_states(p.config);  // grid_size checked here
  } catch (const Error& e) {
    bad(source, e.what());
  }
  return out;
}

std::string jump_fit_summary_json(const jump::JumpModelFit& fit,
                                  const jump::JumpModelConfig& config, std::size_t observations) {
  json out;
  out["model"] = "jump";
  out["objective"] = fit.objective;
  out["iterations"] = fit.iterations;
  out["converged"] = fit.converged;
  out["best_start"] = fit.best_start;
  out["n_states"] = config.n_states;
  out["jump_penalty"] = config.jump_penalty;
  out["continuous"] = config.continuous;
  out["n_init"] = config.n_init;
  out["observations"] = observations;
  std::vector<std::size_t> counts(static_cast<std::size_t>(config.n_states), 0);
  std::size_t switches = 0;
  for (std::size_t t = 0; t < fit.labels.size(); ++t) {
    ++counts[static_cast<std::size_t>(fit.labels[t])];
    if (t > 0 && fit.labels[t] != fit.labels[t - 1]) ++switches;
  }
  out["rows_per_state"] = counts;
  out["switches"] = switches;
  out["empty_states"] = fit.empty_states;
  return out.dump(1);
}

}  // namespace mre::codec
