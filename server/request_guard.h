// Checks on a request body made before it reaches the JSON parser, so that no hostile body
// builds a DOM (or a recursion) it could crash with: nesting depth and UTF-8 validity.
#pragma once

#include <cstddef>
#include <string_view>

#include "mre/core/format.h"

namespace mre::server {

// The deepest nesting of [ and { in a JSON text, counted over its bytes (brackets inside
// strings, escaped quotes included, do not count). Stops counting at `stop_at` + 1: the scan is
// O(bytes) with no allocation and never recurses, whatever the input.
int json_depth(std::string_view text, int stop_at);

// Well-formed UTF-8 (core/format.h), used here on request bodies.
using mre::valid_utf8;

// InvalidArgument (400) for a body nested deeper than max_depth ("request body nested deeper
// than 64 levels") or with invalid UTF-8 (naming the byte offset); nothing for a body that
// passes (which may still be malformed JSON: the parser says so).
void check_json_body(std::string_view body, int max_depth);

}  // namespace mre::server
