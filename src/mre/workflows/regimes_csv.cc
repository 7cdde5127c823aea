// Quick regime fitting and prediction on CSV files.
#include "mre/workflows/regimes_csv.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "mre/codec/hmm_json.h"
#include "mre/codec/jump_json.h"
#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/hmm/viterbi.h"
#include "mre/workflows/regime_methods/regime_method.h"

namespace mre::workflows {
std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIoError, path.string() + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Matrix columns_in_order(const FeatureTable& table, const std::vector<std::string>& features,
                        const std::filesystem::path& path) {
  if (features.empty()) return table.values;
  Matrix out(table.values.rows(), static_cast<Eigen::Index>(features.size()));
  for (std::size_t f = 0; f < features.size(); ++f) {
    const auto it = std::find(table.names.begin(), table.names.end(), features[f]);
    if (it == table.names.end()) {
      throw Error(ErrorCode::kNotFound,
                  path.string() + ": no column '" + features[f] + "' (the model's feature)");
    }
    out.col(static_cast<Eigen::Index>(f)) = table.values.col(it - table.names.begin());
  }
  return out;
}

FeatureTable read_feature_csv(const std::filesystem::path& path) {
  CsvReader reader = CsvReader::open(path);
  const auto& header = reader.header();
  const std::string first = header.empty() ? "" : to_lower(header[0]);
  if (header.size() < 2 || (first != "date" && first != "timestamp")) {
    throw Error(ErrorCode::kDataError,
                path.string() +
                    ":1: expected a 'date' (or 'timestamp') column first, then feature columns");
  }
  FeatureTable table;
  table.names.assign(header.begin() + 1, header.end());
  // The names go into the model's JSON and the output's header: refused here, not there.
  for (std::size_t c = 0; c < table.names.size(); ++c) {
    if (const auto problem = name_problem(table.names[c])) {
      throw Error(ErrorCode::kDataError,
                  path.string() + ":1: column " + std::to_string(c + 2) + "'s name " + *problem);
    }
    for (std::size_t k = 0; k < c; ++k) {
      if (table.names[k] == table.names[c])
        throw Error(ErrorCode::kDataError,
                    path.string() + ":1: column '" + table.names[c] + "' is named twice");
    }
  }
  std::vector<double> values;
  CsvRow row;
  while (reader.next(row)) {
    const std::string where = path.string() + ":" + std::to_string(row.line) + ": ";
    if (row.fields.size() != header.size()) {
      throw Error(ErrorCode::kDataError, where + "expected " + std::to_string(header.size()) +
                                             " fields, got " + std::to_string(row.fields.size()));
    }
    const auto text = row.fields[0];
    const auto date = parse_date_field(text);
    if (!date) throw Error(ErrorCode::kDataError, where + "cannot parse date " + quote_field(text));
    if (!table.dates.empty() && !(table.dates.back() < *date)) {
      throw Error(ErrorCode::kDataError, where + "date " + date->iso() + " does not come after " +
                                             table.dates.back().iso() +
                                             " (rows must be sorted, no duplicates)");
    }
    table.dates.push_back(*date);
    for (std::size_t c = 1; c < row.fields.size(); ++c) {
      if (is_missing_token(row.fields[c])) {
        values.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      const auto v = parse_double(row.fields[c]);
      if (!v) {
        throw Error(ErrorCode::kDataError, where + "column '" + header[c] +
                                               "': " + quote_field(row.fields[c]) +
                                               " is not a finite number");
      }
      values.push_back(*v);
    }
  }
  if (table.dates.empty()) throw Error(ErrorCode::kDataError, path.string() + ": no data rows");
  const auto cols = static_cast<Eigen::Index>(table.names.size());
  table.values =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          values.data(), static_cast<Eigen::Index>(table.dates.size()), cols);
  for (Eigen::Index c = 0; c < cols; ++c) {
    if (table.values.col(c).array().isNaN().all()) {
      throw Error(ErrorCode::kDataError, path.string() + ": column '" +
                                             table.names[static_cast<std::size_t>(c)] +
                                             "' has no values");
    }
  }
  return table;
}

CsvFitResult fit_csv(const CsvFitOptions& options) {
  const FeatureTable table = read_feature_csv(options.data);
  const RegimeMethod* method = find_regime_method(options.method);
  if (!method || !method->fit_csv) {
    throw Error(ErrorCode::kInvalidArgument, "--method: unknown method '" + options.method +
                                                 "' (expected " + csv_regime_method_names() + ")");
  }
  return method->fit_csv(table, options);
}

std::vector<std::string> csv_fit_methods() {
  std::vector<std::string> out;
  for (const auto* m : regime_methods()) {
    if (m->fit_csv) out.emplace_back(m->name);
  }
  return out;
}

namespace {

std::string predict_jump_csv(const std::string& model_text, const std::filesystem::path& model,
                             const std::filesystem::path& data, PredictMode mode) {
  const auto loaded = codec::jump_params_from_json(model_text, model.string());
  const FeatureTable table = read_feature_csv(data);
  const Matrix x = columns_in_order(table, loaded.features, data);
  if (x.cols() != loaded.params.centers.cols()) {
    throw Error(ErrorCode::kInvalidArgument, data.string() + ": has " + std::to_string(x.cols()) +
                                                 " feature columns, the model " +
                                                 std::to_string(loaded.params.centers.cols()));
  }
  if (x.hasNaN())
    throw Error(ErrorCode::kDataError,
                data.string() + ": a jump model needs complete rows; drop or fill empty cells");
  const Matrix z = regimes::jump::standardise(x, loaded.params);
  const auto inferred =
      mode == PredictMode::kFiltered
          ? regimes::jump::infer_online(z, loaded.params.centers, loaded.params.config)
          : regimes::jump::infer_smoothed(z, loaded.params.centers, loaded.params.config);
  std::string out = "date";
  if (mode == PredictMode::kViterbi) {
    out += ",state\n";
    for (std::size_t t = 0; t < inferred.labels.size(); ++t) {
      out += table.dates[t].iso() + "," + std::to_string(inferred.labels[t]) + "\n";
    }
    return out;
  }
  for (int k = 0; k < loaded.params.config.n_states; ++k) out += ",state_" + std::to_string(k);
  out += '\n';
  for (Eigen::Index t = 0; t < inferred.probabilities.rows(); ++t) {
    out += table.dates[static_cast<std::size_t>(t)].iso();
    for (Eigen::Index k = 0; k < inferred.probabilities.cols(); ++k)
      out += "," + format_double(inferred.probabilities(t, k));
    out += '\n';
  }
  return out;
}

}  // namespace

std::string predict_csv(const std::filesystem::path& model, const std::filesystem::path& data,
                        PredictMode mode) {
  const std::string model_text = read_text_file(model);
  if (codec::is_jump_params_json(model_text))
    return predict_jump_csv(model_text, model, data, mode);
  const auto loaded = codec::hmm_params_from_json(model_text, model.string());
  const FeatureTable table = read_feature_csv(data);
  const Matrix x = columns_in_order(table, loaded.features, data);
  if (x.cols() != loaded.params.n_features()) {
    throw Error(ErrorCode::kInvalidArgument, data.string() + ": has " + std::to_string(x.cols()) +
                                                 " feature columns, the model " +
                                                 std::to_string(loaded.params.n_features()));
  }
  const Matrix log_b = regimes::hmm::log_emission(loaded.params, x);
  std::string out = "date";
  if (mode == PredictMode::kViterbi) {
    const auto path =
        regimes::hmm::viterbi(log_b, loaded.params.transition, loaded.params.initial).path;
    out += ",state\n";
    for (std::size_t t = 0; t < path.size(); ++t) {
      out += table.dates[t].iso();
      out += ',';
      out += std::to_string(path[t]);
      out += '\n';
    }
    return out;
  }
  const Matrix probabilities =
      mode == PredictMode::kSmoothed
          ? regimes::hmm::forward_backward(log_b, loaded.params.transition, loaded.params.initial)
                .smoothed
          : regimes::hmm::forward_filter(log_b, loaded.params.transition, loaded.params.initial)
                .filtered;
  for (int k = 0; k < loaded.params.n_states(); ++k) {
    out += ",state_";
    out += std::to_string(k);
  }
  out += '\n';
  for (Eigen::Index t = 0; t < probabilities.rows(); ++t) {
    out += table.dates[static_cast<std::size_t>(t)].iso();
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) {
      out += ',';
      out += format_double(probabilities(t, k));
    }
    out += '\n';
  }
  return out;
}

}  // namespace mre::workflows
