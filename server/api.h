// `mre serve`: the JSON API over HTTP (cpp-httplib, a thread pool). Front end only: parse the
// request, call a workflow, respond; errors as {"error": {"code", "message"}} with the status
// of CONVENTIONS.md's table. Every request opens the store read-only: compute endpoints never
// write.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace mre::server {

struct ServeOptions {
  std::string db{};                 // the store (SQLite path or postgresql:// URL)
  std::string bind = "127.0.0.1";
  int port = 8080;                  // 0: any free port (tests)
  std::filesystem::path static_dir{};  // the dashboard's built files (web/dist); empty: none
  std::string token{};              // when set, every /api request needs "Authorization: Bearer <token>"
  std::size_t max_body = 1 << 20;   // 413 beyond
  int max_paths = 100'000;          // POST /api/counterfactual limits (422 beyond)
  int max_horizon = 2'520;
  std::filesystem::path effects_spec = "config/effects.yml";  // for POST /api/causal-analysis
  double time_limit = 60.0;         // seconds a simulation or estimate may take (503 beyond)
};

class Api {
 public:
  explicit Api(ServeOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;
  // Binds (StoreError naming the address when it cannot) and returns the port bound.
  int bind();
  // Serves until stop() (blocks).
  void serve();
  void stop();
  // In process, no socket (the fuzz target fuzz/fuzz_http.cc): raw HTTP/1.1 request bytes (one
  // request or several pipelined) through the same parser, limits, token check and routes as
  // serve(); returns the raw response bytes. No bind() needed.
  std::string handle_raw(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mre::server
