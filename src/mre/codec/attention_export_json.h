// The files `mre neural export` writes beside model.pt and model.onnx (docs/neural.md, "Export"):
// manifest.json (spec, standardisation, parameter layout, weights checksum, provenance) and
// reference.json (windows and the probabilities LibTorch's C++ forward gave for them, so any
// runtime that loads the exports can be checked against the source of truth).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/neural/attention.h"

namespace mre::codec {

// The manifest's format tag; tools/neural_export.py refuses any other.
inline constexpr const char* kAttentionExportFormat = "mre.neural.attention.export/1";

// One parameter of the network: its registered name and shape ([rows, cols] or [n]).
struct ParameterShape {
  std::string name{};
  std::vector<int> shape{};
};

// The parameters of the attention network in registration order, as attention.h lists them
// (input.weight [H, F], input.bias [H], position [L, H], query/key/value/output/hidden .weight
// [H, H] and .bias [H], classifier.weight [C, H], classifier.bias [C]). Their sizes add up to
// neural::attention_parameter_count(spec) (checked by the tests).
std::vector<ParameterShape> attention_parameter_layout(const neural::AttentionSpec& spec);

struct AttentionExportManifest {
  neural::AttentionModel model{};  // all but the weights go into it (their count does)
  std::string source{};            // what was exported: "neural version 3", "initial weights ..."
  std::string weights_file{};      // the float32 little-endian weights beside it
  std::string weights_checksum{};  // FNV-1a 64 of those bytes (codec::weights_checksum)
};

// manifest.json's text (indent 2).
std::string attention_export_manifest_json(const AttentionExportManifest& manifest);

// reference.json's text: windows (N x L x F, oldest day first) and probabilities (N x C).
std::string attention_reference_json(const std::vector<Matrix>& windows,
                                     const Matrix& probabilities);

}  // namespace mre::codec
