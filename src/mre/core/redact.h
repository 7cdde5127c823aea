// The one redaction of secrets in URLs and messages (issue 26): a URL's userinfo password and
// the values of password=, api_key=, apikey= and token= parameters become "***". Every printed
// store location, request URL and error message goes through it.
#pragma once

#include <string>
#include <string_view>

namespace mre {

// The URL (or libpq keyword string) with its secrets replaced by "***". Userinfo is everything
// between "://" and the LAST '@' of the URL, so a password holding a raw '/', '?', '#', ':' or
// '@' is hidden whole ("postgresql://u:a/b?c@h/db" -> "postgresql://u:***@h/db"). Parameter
// names match case-insensitively after '?', '&', whitespace or the start. A URL whose query
// holds an '@' may be over-redacted, never under-redacted.
std::string redact_url(std::string_view url);

// The userinfo password of a URL as written (percent-encoding kept); empty when there is none.
std::string url_password(std::string_view url);

}  // namespace mre
