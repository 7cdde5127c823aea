// Shortest round-trip formatting via std::to_chars.
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

}  // namespace mre
