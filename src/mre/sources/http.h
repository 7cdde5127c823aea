// HTTP(S) GET for the live sources: one attempt through libcurl (timeouts, HTTPS), and a fetch
// around it with retries (exponential backoff with jitter on timeouts, broken connections, 429
// and 5xx; Retry-After honoured), a client-side rate limit per source, and an optional cache
// directory of raw response bodies for replay. URLs in messages have their api_key redacted.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/redact.h"

namespace mre::sources {

struct HttpResponse {
  int status = 0;  // 0: no response (network error; `error` says what)
  std::string body{};
  std::string content_type{};
  std::optional<double> retry_after{};  // seconds, from a Retry-After header
  std::string error{};                  // transport failure: timeout, refused, truncated body, ...
};

// One attempt. The seam tests and the retry logic use.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse get(const std::string& url) = 0;
  // POST with a JSON body and extra header lines ("Authorization: Bearer ..."); one attempt.
  virtual HttpResponse post_json(const std::string& url, const std::string& body,
                                 const std::vector<std::string>& headers) = 0;
};
// libcurl, with a total timeout per request in seconds.
std::unique_ptr<HttpTransport> make_curl_transport(double timeout_seconds);

struct RetryPolicy {
  int max_attempts = 5;           // first try included
  double base_delay = 0.5;        // seconds; attempt k waits base * 2^(k-1), +- 50% jitter
  double max_delay = 30.0;        // cap on one wait (and on a Retry-After)
  double min_interval = 0.0;      // rate limit: seconds between requests to this source
  std::uint64_t jitter_seed = 0;  // 0: from the clock
};

// A source's client: the transport, its retry policy, its rate limit and optional cache.
class HttpClient {
 public:
  // With cache_dir, every 2xx body is also written there; with replay_dir, a request whose body
  // is there (written by an earlier run's cache) is answered from it without the network.
  HttpClient(std::shared_ptr<HttpTransport> transport, RetryPolicy policy,
             std::filesystem::path cache_dir = {}, std::filesystem::path replay_dir = {});
  // Retries as described; returns the final response, whatever its status (2xx, 4xx, or the
  // last retryable failure). With a cache dir, each 2xx body is written there under a hash
  // of the (redacted) URL.
  HttpResponse get(const std::string& url);
  // Sleeps that many seconds; replaceable so tests of the retry schedule do not wait.
  std::function<void(double)> sleep{};
  // Attempts made by the last get(), and the waits between them (seconds).
  int attempts_last_call() const { return attempts_; }
  const std::vector<double>& waits_last_call() const { return waits_; }

 private:
  std::shared_ptr<HttpTransport> transport_;
  RetryPolicy policy_;
  std::filesystem::path cache_dir_;
  std::filesystem::path replay_dir_;
  std::chrono::steady_clock::time_point last_request_{};
  std::uint64_t rng_;
  int attempts_ = 0;
  std::vector<double> waits_{};
};

// redact_url: mre::redact_url (core/redact.h), the one redaction.
// Percent-encoding of a query value.
std::string url_encode(const std::string& value);

}  // namespace mre::sources
