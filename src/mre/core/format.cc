// Shortest round-trip formatting via std::to_chars; UTF-8 and name checks.
#include "mre/core/format.h"

#include <charconv>
#include <cmath>

namespace mre {

std::string format_double(double value) {
  if (std::isnan(value)) return {};
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, ptr) : std::string();
}

bool valid_utf8(std::string_view text, std::size_t* bad_at) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  const auto fail = [&] {
    if (bad_at) *bad_at = i;
    return false;
  };
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Table 3-7 of the Unicode Standard (well-formed byte sequences).
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c == 0xE0) {
      len = 3, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      len = 3;
    } else if (c == 0xED) {
      len = 3, hi = 0x9F;  // no surrogates
    } else if (c == 0xF0) {
      len = 4, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      len = 4;
    } else if (c == 0xF4) {
      len = 4, hi = 0x8F;  // nothing past U+10FFFF
    } else {
      return fail();
    }
    if (i + len > n) return fail();
    if (s[i + 1] < lo || s[i + 1] > hi) return fail();
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return fail();
    }
    i += len;
  }
  return true;
}

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (!valid_utf8(name)) return "is not valid UTF-8";
  for (const char c : name) {
    if (c == ',') return "contains a comma";
    if (c == '"') return "contains a double quote";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains a control character";
  }
  return std::nullopt;
}

}  // namespace mre
