// See request_guard.h.
#include "server/request_guard.h"

#include <string>

#include "mre/core/error.h"

namespace mre::server {

int json_depth(std::string_view text, int stop_at) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stop_at) return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
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

void check_json_body(std::string_view body, int max_depth) {
  if (json_depth(body, max_depth) > max_depth) {
    throw Error(ErrorCode::kInvalidArgument,
                "request body nested deeper than " + std::to_string(max_depth) + " levels");
  }
  std::size_t at = 0;
  if (!valid_utf8(body, &at)) {
    throw Error(ErrorCode::kInvalidArgument,
                "request body is not valid UTF-8 (byte " + std::to_string(at) + ")");
  }
}

}  // namespace mre::server
