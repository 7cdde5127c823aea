// Fuzz target: the HTTP API in process (server/api.h's Api::handle_raw: httplib's request parser,
// the body limit, the token check, the routes and their handlers, no socket). The input is the
// raw request bytes. The store is $MRE_FUZZ_DB when set (a store made by fuzz/make_store.sh, so
// requests reach the models), else an empty in-memory store. Beyond "no crash": every answer is
// an HTTP/1.1 status line, and an error answer carries the one JSON error shape.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_support.h"
#include "server/api.h"

namespace {

mre::server::Api& api() {
  static const std::unique_ptr<mre::server::Api> instance = [] {
    mre::server::ServeOptions options;
    const char* db = std::getenv("MRE_FUZZ_DB");
    options.db = db != nullptr && *db != '\0' ? db : ":memory:";
    options.token = "fuzz-token";  // the pre-routing check runs on every /api request
    // Smaller Monte Carlo limits than `mre serve`'s, so one input takes milliseconds; the
    // limit checks themselves are the same code.
    options.max_paths = 64;
    options.max_horizon = 36;
    options.time_limit = 20.0;
    const char* spec = std::getenv("MRE_FUZZ_EFFECTS_SPEC");
    if (spec != nullptr) options.effects_spec = spec;
    return std::make_unique<mre::server::Api>(options);
  }();
  return *instance;
}

[[noreturn]] void finding(const std::string& what, const std::string& response) {
  std::fprintf(stderr, "fuzz finding in the HTTP API: %s\n%s\n", what.c_str(),
               response.substr(0, 2000).c_str());
  std::abort();
}

// Each response in `raw`: its status line and, for a JSON error answer, the error shape.
void check_responses(const std::string& raw) {
  std::size_t at = 0;
  while (at < raw.size()) {
    if (raw.compare(at, 9, "HTTP/1.1 ") != 0)
      finding("a response that does not start with a status line", raw.substr(at));
    const int status = std::atoi(raw.c_str() + at + 9);
    if (status < 100 || status > 599) finding("status " + std::to_string(status), raw.substr(at));
    const auto head_end = raw.find("\r\n\r\n", at);
    if (head_end == std::string::npos)
      finding("a response without the end of its headers", raw.substr(at));
    const std::string head = raw.substr(at, head_end - at);
    std::size_t length = 0;
    if (const auto cl = head.find("Content-Length: "); cl != std::string::npos)
      length = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
    if (status == 500)
      finding("500: an internal error (a bug by CONVENTIONS.md's table)", raw.substr(at));
    if (head.find("EXCEPTION_WHAT") != std::string::npos)
      finding("exception text in a header", head);
    // The answer to a HEAD request has the headers of a GET and no body: the next bytes are the
    // next answer's status line, or the end.
    if (length > 0 &&
        (head_end + 4 == raw.size() || raw.compare(head_end + 4, 9, "HTTP/1.1 ") == 0))
      length = 0;
    const std::string body = raw.substr(head_end + 4, length);
    if (status >= 400 && length > 0 && head.find("application/json") != std::string::npos) {
      const auto j = nlohmann::json::parse(body, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_object() ||
          !j["error"].contains("code") || !j["error"]["code"].is_string() ||
          !j["error"].contains("message") || !j["error"]["message"].is_string()) {
        finding("an error answer outside the error shape", raw.substr(at));
      }
    }
    at = head_end + 4 + length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string response;
  mre::fuzz::expect_only_mre_errors("Api::handle_raw", [&] {
    response = api().handle_raw(std::string(mre::fuzz::as_text(data, size)));
  });
  check_responses(response);
  return 0;
}
