// See redact.h.
#include "mre/core/redact.h"

#include <array>
#include <cctype>

namespace mre {
namespace {

// [begin, end) of the userinfo password, or npos when the URL has none.
std::pair<std::size_t, std::size_t> password_span(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {std::string_view::npos, 0};
  const auto start = scheme + 3;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return {std::string_view::npos, 0};
  const auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return {std::string_view::npos, 0};
  // A user name holds no raw '/' or '?': a ':' after one is a port, and the '@' in a query.
  if (url.substr(start, colon - start).find_first_of("/?") != std::string_view::npos)
    return {std::string_view::npos, 0};
  return {colon + 1, at};
}

bool key_at(std::string_view text, std::size_t pos, std::string_view key) {
  if (pos + key.size() + 1 > text.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != key[i]) return false;
  }
  return text[pos + key.size()] == '=';
}

}  // namespace

std::string url_password(std::string_view url) {
  const auto [begin, end] = password_span(url);
  return begin == std::string_view::npos ? std::string()
                                         : std::string(url.substr(begin, end - begin));
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  if (const auto [begin, end] = password_span(out); begin != std::string::npos)
    out.replace(begin, end - begin, "***");
  static constexpr std::array<std::string_view, 4> kKeys = {"password", "api_key", "apikey",
                                                            "token"};
  for (std::size_t pos = 0; pos < out.size(); ++pos) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&' &&
        !std::isspace(static_cast<unsigned char>(out[pos - 1])))
      continue;
    for (const auto key : kKeys) {
      if (!key_at(out, pos, key)) continue;
      const auto value = pos + key.size() + 1;
      auto value_end = out.find_first_of("&# \t\n", value);
      if (value_end == std::string::npos) value_end = out.size();
      out.replace(value, value_end - value, "***");
      break;
    }
  }
  return out;
}

}  // namespace mre
