// Api::handle_raw, the in-process entry the HTTP fuzz target uses: the same token check, routes
// and error shape as the served API, with no socket.
#include <gtest/gtest.h>

#include <string>

#include "server/api.h"

namespace mre {
namespace {

TEST(ApiInProcess, AnswersARouteThroughTheTokenCheck) {
  server::Api api({.db = ":memory:", .token = "t0k"});
  const std::string ok =
      api.handle_raw("GET /api/health HTTP/1.1\r\nAuthorization: Bearer t0k\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_NE(ok.find("\"status\":\"ok\""), std::string::npos) << ok;
  const std::string refused = api.handle_raw("GET /api/health HTTP/1.1\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 401", 0), 0u) << refused;
  EXPECT_NE(refused.find("\"code\":\"unauthorized\""), std::string::npos) << refused;
}

TEST(ApiInProcess, AnswersEachPipelinedRequestAndNamesBadInput) {
  server::Api api({.db = ":memory:"});
  const std::string out = api.handle_raw(
      "GET /api/series/NOPE HTTP/1.1\r\n\r\n"
      "POST /api/counterfactual HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
      "3\r\n\r\n{x}");
  const auto second = out.find("HTTP/1.1 400");
  EXPECT_EQ(out.rfind("HTTP/1.1 404", 0), 0u) << out;
  ASSERT_NE(second, std::string::npos) << out;
  EXPECT_NE(out.find("malformed JSON body", second), std::string::npos) << out;
}

}  // namespace
}  // namespace mre
