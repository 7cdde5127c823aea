// The quick regime path on a user's CSV, without the store or a spec: fit a Gaussian HMM or
// k-means on every column but the date, save the parameters as JSON, and predict state
// probabilities for a CSV with the same columns.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/jump/jump_model.h"

namespace mre::workflows {

struct FeatureTable {
  std::vector<Date> dates;
  std::vector<std::string> names;
  Matrix values;  // dates x names, NaN where empty
};

// A CSV whose first column (named date or timestamp) holds ISO dates, strictly increasing, and
// every other column numbers or empty cells. DataError "FILE:LINE: ..." otherwise.
FeatureTable read_feature_csv(const std::filesystem::path& path);
// The table's columns in `features`' order (every column when empty); NotFound naming `path` and
// the missing column.
Matrix columns_in_order(const FeatureTable& table, const std::vector<std::string>& features,
                        const std::filesystem::path& path);
// A file's bytes (IoError when it cannot be opened, InvalidArgument for a directory).
std::string read_text_file(const std::filesystem::path& path);

struct CsvFitOptions {
  std::filesystem::path data{};
  std::string method = "hmm";  // hmm | kmeans | jump
  regimes::hmm::GaussianHmmConfig hmm{};
  // jump: the model on the CSV's columns as given (no standardisation); n_states, n_init, seed
  // and max_iter come from `hmm` so the CLI's flags mean the same for every method.
  regimes::jump::JumpModelConfig jump{};
  std::optional<std::filesystem::path> init{};  // warm start from saved parameters (hmm)
};

struct CsvFitResult {
  std::string params_json;   // what --out receives
  std::string summary_json;  // what is printed
};

// By the regime-method registry (regime_methods/): the method's fit_csv; InvalidArgument naming
// the methods with a CSV form for another name.
CsvFitResult fit_csv(const CsvFitOptions& options);
// The methods fit_csv accepts, in the registry's order (the CLI's --method choices).
std::vector<std::string> csv_fit_methods();

enum class PredictMode { kFiltered, kSmoothed, kViterbi };

// Returns the CSV text: date,<state columns> (probabilities) or date,state (Viterbi). A jump
// model (saved by fit_csv with method jump) gives its online states (the forward pass: data up
// to each row only) by default, the whole-sample DP path with kSmoothed or kViterbi.
std::string predict_csv(const std::filesystem::path& model, const std::filesystem::path& data,
                        PredictMode mode);

}  // namespace mre::workflows
