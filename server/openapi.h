// GET /api/openapi.json: the API's OpenAPI 3.1 description. The text is server/openapi.json,
// compiled in at configure time (tests/server/api_test.cc checks it names every route and that
// every route's real responses validate against it).
#pragma once

#include <string_view>

namespace mre::server {

std::string_view openapi_json();

}  // namespace mre::server
