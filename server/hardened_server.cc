// See hardened_server.h. cpp-httplib 0.11's own loop makes a fresh stream per request (so bytes
// of a pipelined request read with the previous one were dropped), limits only each read's
// wait (a client sending a byte every few seconds held a worker for ever), checks the body size
// of Content-Length requests only (chunked bodies grew without bound) and runs a fixed pool of
// max(8, cores - 1) workers (eight slow connections blocked everything). This file replaces that
// loop; parsing, routing and writing are still Server::process_request's.
#include "server/hardened_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

namespace mre::server {
namespace {

using Clock = std::chrono::steady_clock;

thread_local bool t_over_limit = false;
thread_local bool t_timed_out = false;
thread_local bool t_close = false;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// poll() for one event, retried on EINTR: > 0 ready, 0 timed out, < 0 error.
int wait_for(int fd, short events, Clock::duration timeout) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    // Rounded up: a poll that returns early would look like a read timeout short of the deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left)));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

std::string address_of(const sockaddr_storage& a, int* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    if (port) *port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    if (port) *port = ntohs(v6->sin6_port);
  }
  return buf;
}

std::string peer_of(int sock, int* port = nullptr) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(sock, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "";
  return address_of(a, port);
}

// A socket with a read buffer kept across the requests of a connection (pipelining), a
// deadline for the whole of each request and a cap on its bytes.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int sock, const ConnectionLimits& limits) : sock_(sock), limits_(limits) {}

  void start_request() {
    deadline_ = Clock::now() + seconds(limits_.request_seconds);
    bytes_ = 0;
  }
  bool has_buffered() const { return pos_ < len_; }

  bool is_readable() const override {
    return has_buffered() ||
           wait_for(sock_, POLLIN,
                    std::min(seconds(limits_.read_seconds), deadline_ - Clock::now())) > 0;
  }
  bool is_writable() const override {
    return wait_for(sock_, POLLOUT, seconds(limits_.write_seconds)) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (size == 0) return 0;
    if (bytes_ >= limits_.max_request_bytes) {
      t_over_limit = true;
      return -1;
    }
    if (pos_ == len_) {
      const auto now = Clock::now();
      if (now >= deadline_) {
        t_timed_out = true;
        return -1;
      }
      const int ready =
          wait_for(sock_, POLLIN, std::min(seconds(limits_.read_seconds), deadline_ - now));
      if (ready <= 0) {
        t_timed_out = ready == 0;  // the deadline or the per-read wait: 408 either way
        return -1;
      }
      ssize_t n = 0;
      do {
        n = ::recv(sock_, buffer_, sizeof buffer_, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      pos_ = 0;
      len_ = static_cast<std::size_t>(n);
    }
    const std::size_t k = std::min({size, len_ - pos_, limits_.max_request_bytes - bytes_});
    std::memcpy(ptr, buffer_ + pos_, k);
    pos_ += k;
    bytes_ += k;
    return static_cast<ssize_t>(k);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n = 0;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_of(sock_, &port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) ip = address_of(a, &port);
  }
  socket_t socket() const override { return sock_; }

 private:
  int sock_;
  const ConnectionLimits& limits_;
  Clock::time_point deadline_{};
  std::size_t bytes_ = 0;
  char buffer_[4096];
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
};

// Bytes in, bytes out: the same request processing with no socket (process_raw).
class StringStream final : public httplib::Stream {
 public:
  StringStream(std::string_view in, const ConnectionLimits& limits) : in_(in), limits_(limits) {}
  void start_request() { bytes_ = 0; }
  bool at_end() const { return pos_ >= in_.size(); }
  std::string& out() { return out_; }

  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    if (bytes_ >= limits_.max_request_bytes) {
      t_over_limit = true;
      return -1;
    }
    const std::size_t k = std::min({size, in_.size() - pos_, limits_.max_request_bytes - bytes_});
    std::memcpy(ptr, in_.data() + pos_, k);
    pos_ += k;
    bytes_ += k;
    return static_cast<ssize_t>(k);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string_view in_;
  const ConnectionLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t bytes_ = 0;
  std::string out_;
};

// Workers started on demand up to a cap: a connection waits for a worker only when `max`
// connections are open at once. Threads, once started, stay until shutdown.
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(int min, int max) : max_(static_cast<std::size_t>(std::max(1, max))) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (int i = 0; i < std::min(min, max); ++i) threads_.emplace_back([this] { work(); });
  }
  void enqueue(std::function<void()> fn) override {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(fn));
      if (jobs_.size() > idle_ && threads_.size() < max_) {
        try {
          threads_.emplace_back([this] { work(); });
        } catch (const std::system_error&) {  // out of threads: the job waits for a running one
        }
      }
    }
    cond_.notify_one();
  }
  void shutdown() override {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      shutdown_ = true;
    }
    cond_.notify_all();
    std::vector<std::thread> threads;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ++idle_;
        cond_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
        --idle_;
        if (jobs_.empty()) return;  // shut down
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      fn();
    }
  }

  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool shutdown_ = false;
};

void send_all(int sock, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(sock, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

HardenedServer::HardenedServer(ConnectionLimits limits) : limits_(limits) {
  new_task_queue = [this] { return new ElasticPool(limits_.min_threads, limits_.max_threads); };
  // accept() sets SO_RCVTIMEO from this; our reads poll() first, so it only bounds a recv
  // that poll() said was ready.
  set_read_timeout(seconds(limits_.read_seconds));
  set_write_timeout(seconds(limits_.write_seconds));
  set_keep_alive_max_count(static_cast<std::size_t>(std::max(1, limits_.keep_alive_requests)));
  // cpp-httplib's default also sets SO_REUSEPORT, with which a second server on a port in use
  // bound it too and the kernel split the connections between the two. SO_REUSEADDR alone
  // still lets a restarted server take its port back while old connections are in TIME_WAIT.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

void HardenedServer::widen_backlog(int connections) {
  const socket_t sock = svr_sock_;
  if (sock != INVALID_SOCKET)
    ::listen(sock, connections);  // Linux: listen() again resizes the queue
}

bool HardenedServer::request_over_limit() { return t_over_limit; }
bool HardenedServer::request_timed_out() { return t_timed_out; }
void HardenedServer::close_after_response(bool over_limit) {
  t_close = true;
  t_over_limit = t_over_limit || over_limit;
}

bool HardenedServer::admit(const std::string& peer) {
  const std::lock_guard<std::mutex> lock(peers_mutex_);
  auto& n = peers_[peer];
  if (n >= limits_.max_per_peer) return false;
  ++n;
  return true;
}

void HardenedServer::release(const std::string& peer) {
  const std::lock_guard<std::mutex> lock(peers_mutex_);
  if (const auto it = peers_.find(peer); it != peers_.end() && --it->second <= 0) peers_.erase(it);
}

bool HardenedServer::process_and_close_socket(socket_t sock) {
  const std::string peer = peer_of(sock);
  bool ok = false;
  if (!admit(peer)) {
    const std::string body =
        "{\"error\":{\"code\":\"unavailable\",\"message\":\"too many open connections from this "
        "address (at most " +
        std::to_string(limits_.max_per_peer) + ")\"}}";
    send_all(
        sock,
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    // Unread input at close() would send a reset, which can discard the answer at the client.
    ::shutdown(sock, SHUT_WR);
    char sink[4096];
    while (::recv(sock, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
  } else {
    DeadlineStream strm(sock, limits_);
    t_over_limit = t_timed_out = t_close = false;
    for (int left = std::max(1, limits_.keep_alive_requests);
         left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
      // The next request: already buffered (pipelined), or wait for it in short slices so that
      // stop() is not held up by idle connections.
      bool ready = strm.has_buffered();
      for (auto until = Clock::now() + seconds(limits_.keep_alive_seconds);
           !ready && Clock::now() < until;) {
        if (svr_sock_ == INVALID_SOCKET) break;
        const int r = wait_for(
            sock, POLLIN,
            std::min<Clock::duration>(std::chrono::milliseconds(100), until - Clock::now()));
        if (r < 0) break;
        ready = r > 0;
      }
      if (!ready) break;
      strm.start_request();
      bool closed = false;
      try {
        ok = process_request(strm, left == 1, closed, nullptr);
      } catch (...) {  // a handler's exceptions are the exception handler's; this is a failed write
        ok = false;
      }
      if (!ok || closed || t_over_limit || t_timed_out || t_close) break;
    }
    if (t_over_limit) {
      // Let the client read the 413 before the connection goes: stop sending, discard what it
      // still sends for up to a second.
      ::shutdown(sock, SHUT_WR);
      char sink[16384];
      for (const auto until = Clock::now() + std::chrono::seconds(1); Clock::now() < until;) {
        if (wait_for(sock, POLLIN, std::chrono::milliseconds(100)) <= 0) continue;
        if (::recv(sock, sink, sizeof sink, 0) <= 0) break;
      }
    }
    release(peer);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

std::string HardenedServer::process_raw(std::string_view request) {
  StringStream strm(request, limits_);
  t_over_limit = t_timed_out = t_close = false;
  for (int left = std::max(1, limits_.keep_alive_requests); left > 0 && !strm.at_end(); --left) {
    strm.start_request();
    bool closed = false;
    bool ok = false;
    try {
      ok = process_request(strm, left == 1, closed, nullptr);
    } catch (...) {
      ok = false;
    }
    if (!ok || closed || t_over_limit || t_close) break;
  }
  return std::move(strm.out());
}

}  // namespace mre::server
