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
  std::string db{};  // the store (SQLite path or postgresql:// URL)
  std::string bind = "127.0.0.1";
  int port = 8080;                     // 0: any free port (tests)
  std::filesystem::path static_dir{};  // the dashboard's built files (web/dist); empty: none
  std::string token{};  // when set, every /api request needs "Authorization: Bearer <token>"
  std::string
      cors_origin{};  // when set, the origin allowed to read /api from a browser (CORS); "*" any
  std::size_t max_body = 1 << 20;  // 413 beyond
  int max_paths = 100'000;         // POST /api/counterfactual limits (422 beyond)
  int max_horizon = 2'520;
  std::filesystem::path effects_spec = "config/effects.yml";  // for POST /api/causal-analysis
  std::filesystem::path universe =
      "config/universe.yml";  // the staleness rule's frequencies, lags and graces
  double time_limit =
      60.0;           // seconds a simulation or estimate may take (503 beyond; then cancelled)
  int max_heavy = 0;  // simulations and estimates at once (429 beyond); 0: the cores, at least 2
  double request_timeout =
      10.0;  // seconds from a request's first byte to its last (408 or closed beyond)
  double read_timeout = 5.0;          // seconds any one read may wait (closed beyond)
  int max_connections_per_peer = 32;  // open connections from one address (503 beyond)
  int max_threads = 128;              // connections served at once (later ones wait)
  // POST /api/classify of a classifier whose mappings lack their sign-offs (MR-BR-10): 403
  // unless set (`mre serve --allow-unapproved`), as `mre classify` refuses without the flag.
  bool allow_unapproved = false;
};
// Request bodies are JSON nested at most 64 deep and valid UTF-8 (400 otherwise, checked
// before parsing); integer fields are checked as JSON numbers before narrowing.

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
  // One raw HTTP request (bytes as on the wire) through the routes without a socket: the raw
  // response. For fuzzing and in-process tests.
  std::string handle_raw(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mre::server
