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
