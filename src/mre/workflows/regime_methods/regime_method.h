// The registry of regime methods of detect_regimes (hmm, kmeans, rules, ...): each method reads
// its own spec keys into typed settings, writes its part of the canonical spec (the version
// hash), and fits a feature matrix into per-date regime probabilities. detect_regimes does the
// rest (the feature version, the columns, the version tag, the rows, the store) once for all.
// A new method: one file in this folder defining `const RegimeMethod& <name>_method()` and one
// line in registry.cc.
#pragma once

#include <any>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"

namespace YAML {
class Node;
}

namespace mre::workflows {

struct RegimeSpec;
struct FeatureTable;  // regimes_csv.h
struct CsvFitOptions;
struct CsvFitResult;

// What a method fits: the spec, the chosen columns' values on every date of the feature
// version (NaN where absent), and where it came from (for messages).
struct RegimeFitInput {
  const RegimeSpec& spec;
  Matrix data;
  const std::vector<Date>& dates;
  const std::vector<std::string>& columns;
  const std::string& feature_version;
};

struct RegimeFitOutput {
  Matrix probabilities{};  // rows as the input's; a row with a NaN is a date without a regime
  Matrix raw_scores{};  // optional: a row's score is raw_scores(t, best) instead of its probability
  std::vector<std::string> labels{};  // one per probability column
  std::string params_json{};
  std::string diagnostics_json{};
  std::optional<Date> trained_from{};
  std::optional<Date> trained_to{};
  std::size_t refits = 0;
};

struct RegimeMethod {
  std::string_view name{};               // the spec's `method:`
  std::vector<std::string_view> keys{};  // its own top-level spec keys, besides the common ones
  bool walk_forward_by_default =
      false;                  // the common `walk_forward` is on unless `walk_forward: off`
  bool standardizes = false;  // the common `standardize` applies
  // Reads its keys of `root` into `spec` (typed settings: RegimeSpec's fields or
  // spec.method_settings); InvalidArgument "PATH:LINE: ..." for bad values.
  void (*parse)(const std::filesystem::path& path, const YAML::Node& root,
                RegimeSpec& spec) = nullptr;
  // The number of states its labels must name; nullopt when the method names them itself (rules).
  std::optional<int> (*states)(const RegimeSpec& spec) = nullptr;
  // Its lines of the canonical spec, after name, method, feature_set, columns and labels.
  void (*canonical)(const RegimeSpec& spec, std::ostream& out) = nullptr;
  RegimeFitOutput (*fit)(const RegimeFitInput& input) = nullptr;
  // `mre regimes fit --data CSV` (regimes_csv.h): the parameters (--out) and a summary from a
  // user's table with the CLI's flags; nullptr when the method has no CSV form (rules).
  CsvFitResult (*fit_csv)(const FeatureTable& table, const CsvFitOptions& options) = nullptr;
};

// Every registered method, in registry.cc's order.
const std::vector<const RegimeMethod*>& regime_methods();
// nullptr for an unknown name.
const RegimeMethod* find_regime_method(std::string_view name);
// "hmm, kmeans or rules", for messages.
std::string regime_method_names();
// The same over the methods with a CSV form (fit_csv): "hmm, kmeans or jump".
std::string csv_regime_method_names();

// Shared by the HMM-family methods: the `hmm:` settings lines of the canonical spec.
void write_hmm_settings(const RegimeSpec& spec, std::ostream& out);
// The `standardize` and `walk_forward` lines of the canonical spec (when set).
void write_schedule(const RegimeSpec& spec, std::ostream& out);
// State labels: the spec's, or prefix + index.
std::vector<std::string> state_labels(const RegimeSpec& spec, int states,
                                      const std::string& prefix);

}  // namespace mre::workflows
