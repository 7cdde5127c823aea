// Number formatting shared by every text output: shortest round-trip decimal.
#pragma once

#include <string>

namespace mre {

// Shortest decimal that parses back to exactly `value` ("4.06", "1e-07"); "" for NaN.
std::string format_double(double value);

}  // namespace mre
