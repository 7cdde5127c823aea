// Formatting of the location in check_* messages.
#include "mre/core/check.h"

namespace mre::detail {

std::string where(const std::source_location& loc) {
  // function_name() is the full signature on gcc; keep the qualified name only.
  std::string_view name = loc.function_name();
  const auto paren = name.find('(');
  if (paren != std::string_view::npos) name = name.substr(0, paren);
  const auto space = name.rfind(' ');
  if (space != std::string_view::npos) name = name.substr(space + 1);
  return std::string(name);
}

}  // namespace mre::detail
