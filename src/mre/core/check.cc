// Formatting of the location in check_* messages.
#include "mre/core/check.h"

#include <cctype>

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

namespace mre {

std::string user_message(std::string_view message) {
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    const auto at = message.find("mre::", i);
    if (at == std::string_view::npos ||
        (at > 0 && (std::isalnum(static_cast<unsigned char>(message[at - 1])) != 0 ||
                    message[at - 1] == '_'))) {
      const auto stop = at == std::string_view::npos ? message.size() : at + 5;
      out.append(message.substr(i, stop - i));
      i = stop;
      continue;
    }
    // A qualified name: letters, digits, '_', "::" and "{anonymous}", then ": ".
    std::size_t end = at + 5;
    while (end < message.size()) {
      const char c = message[end];
      if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':' || c == '{' ||
          c == '}') {
        ++end;
      } else {
        break;
      }
    }
    // The name ends with its own ':' followed by a space ("...::check_config: ").
    if (end > at + 5 && message[end - 1] == ':' && end < message.size() && message[end] == ' ') {
      std::size_t rest = end + 1;
      constexpr std::string_view kArgument = "argument ";
      if (message.substr(rest, kArgument.size()) == kArgument) rest += kArgument.size();
      out.append(message.substr(i, at - i));
      i = rest;
      continue;
    }
    out.append(message.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace mre
