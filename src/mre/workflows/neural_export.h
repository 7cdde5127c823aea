// `mre neural export`: an attention regime model to TorchScript and ONNX (issue 24, point 4;
// docs/neural.md, "Export"). LibTorch's C++ API cannot trace a C++ module, so the export runs
// tools/neural_export.py (a Python twin of the network over Debian's python3-torch and
// python3-onnx) on the C++ model's flat weights, which stay the source of truth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/neural/attention.h"

namespace mre::store {
class Store;
}

namespace mre::workflows {

struct NeuralExportOptions {
  std::filesystem::path directory{};        // created when missing; must not hold an earlier export
  std::string python = "/usr/bin/python3";  // Debian's: the one with python3-torch
  std::filesystem::path script{};           // empty: default_neural_export_script()
  std::string source{};              // what is exported, for the manifest ("neural version 3")
  int reference_windows = 8;         // windows in reference.json
  std::uint64_t reference_seed = 1;  // draws the reference windows
};

struct NeuralExportReport {
  std::vector<std::filesystem::path> files{};  // written, in DIR
  std::string source{};                        // what was exported (options.source)
  std::size_t parameters = 0;
  std::string weights_checksum{};
};

// tools/neural_export.py: $MRE_NEURAL_EXPORT_SCRIPT when set, else the script of the source tree
// this binary was built from.
std::filesystem::path default_neural_export_script();

// The files an export writes into its directory, in this order: manifest.json, weights.f32
// (float32 little-endian, registration order), reference.json (reference windows, N(mean, sd)
// per feature under reference_seed, and LibTorch's probabilities for them), model.pt, model.onnx.
const std::vector<std::string>& neural_export_files();

// Writes the export of `model` into options.directory. Everything is made in a staging directory
// inside it and moved in only when the script succeeded, so a failure leaves the directory as it
// was. InvalidArgument when the directory already holds one of the files (never overwritten) or
// is not a directory; DataError when the weights do not fit the spec; Unsupported when the build
// has no LibTorch, or python3 / python3-torch / python3-onnx is missing (naming the Debian
// package); IoError for file failures; Internal when the Python twin refuses the C++ layout.
NeuralExportReport export_attention_model(const neural::AttentionModel& model,
                                          const NeuralExportOptions& options);

// The export of neural::initial_attention_model(spec, seed) (LibTorch's initialisation under the
// seed, identity standardisation): a check of the export path without a trained model
// (`mre neural export --init-seed`). The manifest's source says so.
// The export of stored neural model `version` (`mre neural train`; workflows/neural.h): the
// weights of its refit number `refit` (1-based; default the last, the one that serves the latest
// day), read and checksummed by read_neural. NotFound for an unknown version; InvalidArgument for
// a refit out of range; DataError for a corrupt weights blob; then as export_attention_model.
NeuralExportReport export_stored_attention_model(const store::Store& store,
                                                 const std::string& version,
                                                 std::optional<int> refit,
                                                 NeuralExportOptions options);

NeuralExportReport export_initial_attention_model(const neural::AttentionSpec& spec,
                                                  std::uint64_t seed, NeuralExportOptions options);

}  // namespace mre::workflows
