// The canonical text of an effects spec (one "key=value" line per field): what its hash is of
// and what an effects version stores as spec_text (spec_from_canonical reads it back).
#pragma once

#include <string>

#include "mre/workflows/effects.h"

namespace mre::workflows::detail {

std::string effects_canonical(const EffectsSpec& spec);

}  // namespace mre::workflows::detail
