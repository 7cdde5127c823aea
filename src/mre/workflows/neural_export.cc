// `mre neural export` (neural_export.h): staging, the reference outputs, and the Python twin run.
#include "mre/workflows/neural_export.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string_view>
#include <system_error>

#include "mre/codec/attention_export_json.h"
#include "mre/codec/quantgan_artefact.h"
#include "mre/core/atomic_file.h"
#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/workflows/neural.h"

#ifndef MRE_NEURAL_EXPORT_SCRIPT
#define MRE_NEURAL_EXPORT_SCRIPT "tools/neural_export.py"
#endif

namespace mre::workflows {
namespace {

namespace fs = std::filesystem;

// N windows of L x F values drawn per feature from N(mean, sd), rounded to float32 (the precision
// the network runs in), so the exports and LibTorch read exactly the same inputs.
std::vector<Matrix> reference_windows(const neural::AttentionModel& model, int count,
                                      std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Matrix> windows;
  for (int n = 0; n < count; ++n) {
    Matrix window(model.spec.window, model.spec.inputs);
    for (int day = 0; day < model.spec.window; ++day) {
      for (int column = 0; column < model.spec.inputs; ++column) {
        const double value = model.input_mean[column] + model.input_sd[column] * normal(engine);
        window(day, column) = static_cast<double>(static_cast<float>(value));
      }
    }
    windows.push_back(std::move(window));
  }
  return windows;
}

std::string weight_bytes(const std::vector<float>& weights) {
  std::string bytes;
  bytes.reserve(weights.size() * 4);
  for (const float weight : weights) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &weight, sizeof bits);
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>(bits >> shift));
  }
  return bytes;
}

// Runs `python script directory` (no shell); returns its exit status (127: could not start).
int run_script(const std::string& python, const fs::path& script, const fs::path& directory) {
  const pid_t pid = fork();
  if (pid < 0) {
    throw Error(ErrorCode::kIoError,
                std::string("neural export: cannot start ") + python + ": " + std::strerror(errno));
  }
  if (pid == 0) {
    const std::string script_text = script.string();
    const std::string directory_text = directory.string();
    char* const argv[] = {const_cast<char*>(python.c_str()), const_cast<char*>(script_text.c_str()),
                          const_cast<char*>(directory_text.c_str()), nullptr};
    execv(python.c_str(), argv);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(ErrorCode::kIoError, std::string("neural export: waiting for ") + python + ": " +
                                           std::strerror(errno));
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Removes the staging directory on the way out, whatever happened.
struct StagingGuard {
  fs::path path;
  ~StagingGuard() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

fs::path default_neural_export_script() {
  if (const char* set = std::getenv("MRE_NEURAL_EXPORT_SCRIPT"); set && *set) return set;
  return MRE_NEURAL_EXPORT_SCRIPT;
}

const std::vector<std::string>& neural_export_files() {
  static const std::vector<std::string> kFiles{"manifest.json", "weights.f32", "reference.json",
                                               "model.pt", "model.onnx"};
  return kFiles;
}

NeuralExportReport export_attention_model(const neural::AttentionModel& model,
                                          const NeuralExportOptions& options) {
  neural::check_attention_spec(model.spec);
  check_arg(!options.directory.empty(), "to", "must name a directory");
  check_arg(options.reference_windows >= 2, "reference_windows", "must be >= 2");
  const auto& spec = model.spec;
  if (model.weights.size() != neural::attention_parameter_count(spec) ||
      model.input_mean.size() != static_cast<std::size_t>(spec.inputs) ||
      model.input_sd.size() != static_cast<std::size_t>(spec.inputs)) {
    throw Error(ErrorCode::kDataError,
                "neural export: the model's weights (" + std::to_string(model.weights.size()) +
                    ") or standardisation (" + std::to_string(model.input_mean.size()) +
                    " means) do not fit its spec (" +
                    std::to_string(neural::attention_parameter_count(spec)) + " weights, " +
                    std::to_string(spec.inputs) + " inputs)");
  }
  const fs::path script = options.script.empty() ? default_neural_export_script() : options.script;
  if (!fs::is_regular_file(script)) {
    throw Error(ErrorCode::kIoError,
                "neural export: the export script " + script.string() +
                    " is missing (set MRE_NEURAL_EXPORT_SCRIPT to tools/neural_export.py)");
  }
  if (access(options.python.c_str(), X_OK) != 0) {
    throw Error(ErrorCode::kUnsupported,
                "neural export: " + options.python +
                    " not found; the export needs Debian's python3-torch and python3-onnx "
                    "(apt-get install python3-torch python3-onnx)");
  }
  const fs::path& directory = options.directory;
  std::error_code error;
  if (fs::exists(directory, error) && !fs::is_directory(directory, error)) {
    throw Error(ErrorCode::kInvalidArgument,
                "neural export: --to " + directory.string() + " is not a directory");
  }
  for (const auto& name : neural_export_files()) {
    if (fs::exists(directory / name, error)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "neural export: " + (directory / name).string() +
                      " exists (an export is never overwritten; choose another --to)");
    }
  }

  // The reference outputs come from the C++ network (Unsupported without LibTorch).
  const auto windows = reference_windows(model, options.reference_windows, options.reference_seed);
  const Matrix probabilities = neural::attention_probabilities(model, windows);

  fs::create_directories(directory, error);
  if (error) {
    throw Error(ErrorCode::kIoError,
                "neural export: cannot create " + directory.string() + ": " + error.message());
  }
  std::string staging_template = (directory / ".export-XXXXXX").string();
  if (mkdtemp(staging_template.data()) == nullptr) {
    throw Error(ErrorCode::kIoError, "neural export: cannot create a staging directory in " +
                                         directory.string() + ": " + std::strerror(errno));
  }
  const StagingGuard staging{staging_template};

  const std::string bytes = weight_bytes(model.weights);
  NeuralExportReport report{.source = options.source,
                            .parameters = model.weights.size(),
                            .weights_checksum = codec::weights_checksum(model.weights)};
  codec::AttentionExportManifest manifest{.model = model,
                                          .source = options.source,
                                          .weights_file = "weights.f32",
                                          .weights_checksum = report.weights_checksum};
  write_file_atomically(staging.path / "manifest.json",
                        codec::attention_export_manifest_json(manifest));
  write_file_atomically(staging.path / "weights.f32", bytes);
  write_file_atomically(staging.path / "reference.json",
                        codec::attention_reference_json(windows, probabilities));

  const int status = run_script(options.python, script, staging.path);
  if (status == 127 || status == 5) {
    throw Error(ErrorCode::kUnsupported, "neural export: " + script.string() +
                                             " could not run under " + options.python + " (exit " +
                                             std::to_string(status) +
                                             "); it needs Debian's python3-torch and python3-onnx "
                                             "(apt-get install python3-torch python3-onnx)");
  }
  if (status != 0) {
    throw Error(ErrorCode::kInternal, "neural export: " + script.string() + " failed (exit " +
                                          std::to_string(status) +
                                          "; its message is above): the Python twin refused "
                                          "the C++ model, nothing was written to " +
                                          directory.string());
  }
  for (const auto& name : neural_export_files()) {
    if (!fs::is_regular_file(staging.path / name)) {
      throw Error(ErrorCode::kInternal,
                  "neural export: the script did not write " + name + "; nothing was written");
    }
  }
  for (const auto& name : neural_export_files()) {
    fs::rename(staging.path / name, directory / name, error);
    if (error) {
      throw Error(ErrorCode::kIoError, "neural export: cannot move " + name + " into " +
                                           directory.string() + ": " + error.message());
    }
    report.files.push_back(directory / name);
  }
  return report;
}

NeuralExportReport export_initial_attention_model(const neural::AttentionSpec& spec,
                                                  std::uint64_t seed, NeuralExportOptions options) {
  neural::check_attention_spec(spec);
  options.source = "initial weights, seed " + std::to_string(seed);
  return export_attention_model(neural::initial_attention_model(spec, seed), options);
}

NeuralExportReport export_stored_attention_model(const store::Store& store,
                                                 const std::string& version,
                                                 std::optional<int> refit,
                                                 NeuralExportOptions options) {
  const codec::StoredAttention stored = read_neural(store, version);
  const auto count = static_cast<int>(stored.refits.size());
  if (count == 0) {
    throw Error(ErrorCode::kDataError, "neural export: version '" + version + "' holds no refit");
  }
  // By default the refit in force on the last day the version labelled (as `neural latest` and
  // the API serve): a refit dated after every labelled day (the schedule's last, when the newest
  // rows lack a complete window) serves nothing, and exporting it by default misled (QA).
  int served = count;
  if (store.find_regime_model(version)) {
    if (const auto rows = store.read_regimes(version, std::nullopt, std::nullopt); !rows.empty()) {
      served = 1;
      while (served < count &&
             stored.refits[static_cast<std::size_t>(served)].date <= rows.back().date)
        ++served;
    }
  }
  const int index = refit.value_or(served);
  if (index < 1 || index > count) {
    throw Error(ErrorCode::kInvalidArgument, "--refit: must be in 1.." + std::to_string(count) +
                                                 " (version '" + version + "' has " +
                                                 std::to_string(count) + " refits; got " +
                                                 std::to_string(index) + ")");
  }
  const auto& chosen = stored.refits[static_cast<std::size_t>(index - 1)];
  options.source = "neural version " + version + ", refit " + std::to_string(index) + " of " +
                   std::to_string(count) + " (serving from " + chosen.date.iso() +
                   "; trained on days " + chosen.train_first.iso() + ".." +
                   chosen.train_last.iso() + ", feature version " + stored.feature_version +
                   ", target " + stored.target_version + ", horizon " +
                   std::to_string(stored.horizon) + ")";
  return export_attention_model(chosen.model, options);
}

}  // namespace mre::workflows
