// manifest.json and reference.json of an attention model export (attention_export_json.h).
#include "mre/codec/attention_export_json.h"

#include <nlohmann/json.hpp>

namespace mre::codec {

std::vector<ParameterShape> attention_parameter_layout(const neural::AttentionSpec& spec) {
  const int f = spec.inputs;
  const int h = spec.hidden;
  const int c = spec.classes;
  std::vector<ParameterShape> layout{
      {"input.weight", {h, f}}, {"input.bias", {h}}, {"position", {spec.window, h}}};
  for (const char* linear : {"query", "key", "value", "output", "hidden"}) {
    layout.push_back({std::string(linear) + ".weight", {h, h}});
    layout.push_back({std::string(linear) + ".bias", {h}});
  }
  layout.push_back({"classifier.weight", {c, h}});
  layout.push_back({"classifier.bias", {c}});
  return layout;
}

std::string attention_export_manifest_json(const AttentionExportManifest& manifest) {
  const auto& model = manifest.model;
  nlohmann::ordered_json parameters = nlohmann::ordered_json::array();
  for (const auto& parameter : attention_parameter_layout(model.spec)) {
    parameters.push_back({{"name", parameter.name}, {"shape", parameter.shape}});
  }
  nlohmann::ordered_json json{
      {"format", kAttentionExportFormat},
      {"source", manifest.source},
      {"spec",
       {{"inputs", model.spec.inputs},
        {"hidden", model.spec.hidden},
        {"heads", model.spec.heads},
        {"classes", model.spec.classes},
        {"window", model.spec.window},
        {"dropout", model.spec.dropout}}},
      {"feature_names", model.feature_names},
      {"class_names", model.class_names},
      {"input_mean", model.input_mean},
      {"input_sd", model.input_sd},
      {"train_first", model.train_first},
      {"train_last", model.train_last},
      {"seed", model.seed},
      {"threads", model.threads},
      {"parameters", parameters},
      {"weights_file", manifest.weights_file},
      {"weights_count", model.weights.size()},
      {"weights_checksum", manifest.weights_checksum},
      {"input", "windows: float32 [batch, window, inputs], raw features, oldest day first"},
      {"output", "probabilities: float32 [batch, classes], in class_names order"}};
  return json.dump(2) + "\n";
}

std::string attention_reference_json(const std::vector<Matrix>& windows,
                                     const Matrix& probabilities) {
  nlohmann::json json{{"source", "LibTorch (C++): neural::attention_probabilities, eval mode"},
                      {"windows", nlohmann::json::array()},
                      {"probabilities", nlohmann::json::array()}};
  for (const auto& window : windows) {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index day = 0; day < window.rows(); ++day) {
      rows.push_back(std::vector<double>(window.row(day).begin(), window.row(day).end()));
    }
    json["windows"].push_back(rows);
  }
  for (Eigen::Index row = 0; row < probabilities.rows(); ++row) {
    json["probabilities"].push_back(
        std::vector<double>(probabilities.row(row).begin(), probabilities.row(row).end()));
  }
  return json.dump() + "\n";
}

}  // namespace mre::codec
