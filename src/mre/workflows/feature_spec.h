// Feature specs on disk (config/features/*.yml): parsing to features::FeatureSetSpec with
// errors that name the file, line and feature, and the canonical text whose hash binds a
// feature version tag to its spec.
#pragma once

#include <filesystem>
#include <string>

#include "mre/features/feature_set.h"

namespace mre::workflows {

struct LoadedSpec {
  features::FeatureSetSpec spec{};
  std::string canonical_text{};  // one line per setting/feature, parameters spelled out
  std::string hash{};            // 16 hex digits of FNV-1a 64 over canonical_text
};

// Throws IoError (cannot read) or InvalidArgument "FILE:LINE: feature 'x': ..." (unknown op or
// parameter, bad value, missing name or inputs, unknown frequency).
LoadedSpec load_feature_spec(const std::filesystem::path& path);

// The canonical text of a spec: equal for specs that mean the same, whatever their layout.
std::string canonical_spec_text(const features::FeatureSetSpec& spec);
std::string fnv1a_hex(const std::string& text);

std::string frequency_label(Frequency frequency);  // daily | weekly | month_end

}  // namespace mre::workflows
