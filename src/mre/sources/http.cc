// See http.h.
#include "mre/sources/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <regex>
#include <thread>

#include "mre/core/atomic_file.h"

namespace mre::sources {
namespace {

std::once_flag curl_init;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* out) {
  auto* response = static_cast<HttpResponse*>(out);
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    if (name == "retry-after") {
      try {
        response->retry_after = std::stod(value);
      } catch (const std::exception&) {
        // An HTTP date instead of seconds: treat as "retry later" with the normal backoff.
      }
    }
  }
  return size * count;
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(double timeout) : timeout_(timeout) {
    std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }
  HttpResponse get(const std::string& url) override { return perform(url, nullptr, {}); }
  HttpResponse post_json(const std::string& url, const std::string& body,
                         const std::vector<std::string>& headers) override {
    return perform(url, &body, headers);
  }

 private:
  HttpResponse perform(const std::string& url, const std::string* post,
                       const std::vector<std::string>& headers) {
    HttpResponse r;
    CURL* curl = curl_easy_init();
    if (!curl) {
      r.error = "cannot start libcurl";
      return r;
    }
    curl_slist* list = nullptr;
    if (post) {
      list = curl_slist_append(list, "Content-Type: application/json");
      for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(post->size()));
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ * 1000));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(timeout_, 10.0) * 1000));
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mre/0.1 (+https://github.com/mre)");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    const CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
      r.error = curl_easy_strerror(code);
      r.status = 0;
      r.body.clear();
    } else {
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
      char* type = nullptr;
      curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
      if (type) r.content_type = type;
    }
    curl_easy_cleanup(curl);
    if (list) curl_slist_free_all(list);
    return r;
  }

  double timeout_;
};

bool retryable(const HttpResponse& r) {
  return r.status == 0 || r.status == 429 || r.status >= 500;
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(double timeout_seconds) {
  return std::make_unique<CurlTransport>(timeout_seconds);
}

HttpClient::HttpClient(std::shared_ptr<HttpTransport> transport, RetryPolicy policy,
                       std::filesystem::path cache_dir, std::filesystem::path replay_dir)
    : transport_(std::move(transport)),
      policy_(policy),
      cache_dir_(std::move(cache_dir)),
      replay_dir_(std::move(replay_dir)),
      rng_(policy.jitter_seed ? policy.jitter_seed
                              : static_cast<std::uint64_t>(
                                    std::chrono::steady_clock::now().time_since_epoch().count())) {
  sleep = [](double s) {
    if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
  };
}

namespace {

// The cache file of a URL: a hash of its redacted form (so the key is not in file names).
std::string cache_name(const std::string& url) {
  const std::string key = redact_url(url);
  std::uint64_t h = 1469598103934665603ULL;
  for (const unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.body", static_cast<unsigned long long>(h));
  return name;
}

}  // namespace

HttpResponse HttpClient::get(const std::string& url) {
  attempts_ = 0;
  waits_.clear();
  HttpResponse r;
  if (!replay_dir_.empty()) {
    std::ifstream in(replay_dir_ / cache_name(url), std::ios::binary);
    if (in) {
      r.status = 200;
      r.content_type = "application/json";
      r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      return r;
    }
  }
  for (int attempt = 1; attempt <= std::max(1, policy_.max_attempts); ++attempt) {
    // The rate limit: at least min_interval between two requests to this source.
    if (policy_.min_interval > 0 && last_request_.time_since_epoch().count() != 0) {
      const double since =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - last_request_).count();
      if (since < policy_.min_interval) sleep(policy_.min_interval - since);
    }
    last_request_ = std::chrono::steady_clock::now();
    ++attempts_;
    r = transport_->get(url);
    if (!retryable(r) || attempt == policy_.max_attempts) break;
    double wait = policy_.base_delay * std::pow(2.0, attempt - 1);
    const double jitter = static_cast<double>(splitmix(rng_) >> 11) * 0x1.0p-53;  // [0, 1)
    wait *= 0.5 + jitter;  // +- 50%: clients that failed together do not retry together
    if (r.retry_after) wait = std::max(wait, *r.retry_after);
    wait = std::min(wait, policy_.max_delay);
    waits_.push_back(wait);
    sleep(wait);
  }
  if (!cache_dir_.empty() && r.status >= 200 && r.status < 300) {
    std::filesystem::create_directories(cache_dir_);
    const std::string name = cache_name(url);
    write_file_atomically(cache_dir_ / name, r.body);
    std::ofstream(cache_dir_ / "index.tsv", std::ios::app)
        << name << "\t" << redact_url(url) << "\n";
  }
  return r;
}

std::string url_encode(const std::string& value) {
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace mre::sources
