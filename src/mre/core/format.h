// Text shared by every output: shortest round-trip decimals, UTF-8 validity, and the rule for
// a name that becomes a CSV column or a stored list entry.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mre {

// Shortest decimal that parses back to exactly `value` ("4.06", "1e-07"); "" for NaN.
std::string format_double(double value);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// past U+10FFFF). Returns the byte offset of the first bad sequence in `bad_at` otherwise.
bool valid_utf8(std::string_view text, std::size_t* bad_at = nullptr);

// What is wrong with a user-given name (a regime label, a feature or column name) that will be
// a CSV header, a JSON key and an entry of a comma-separated stored list: "is empty", "contains
// a comma", "contains a double quote", "contains a control character", "is not valid UTF-8";
// nothing when it is usable. A comma would split it into two names when read back.
std::optional<std::string> name_problem(std::string_view name);

}  // namespace mre
