// cpp-httplib's Server with the connection handling replaced (issue 26): a deadline for a
// whole request (headers and body), a cap on the bytes of a request however it is framed
// (chunked included), a cap on connections per peer, pipelined requests served in order, and
// a worker pool that grows instead of queueing behind slow connections. Routing, parsing and
// writing stay cpp-httplib's (Server::process_request over our own Stream).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

// Last: it is large and its macros must not meet Eigen's headers.
#include <httplib.h>

namespace mre::server {

struct ConnectionLimits {
  double request_seconds = 10.0;    // from a request's first byte to its last (headers and body)
  double read_seconds = 5.0;        // the longest wait for any one read
  double keep_alive_seconds = 5.0;  // the longest wait for the next request on a connection
  double write_seconds = 30.0;      // the longest wait for any one write
  std::size_t max_request_bytes =
      (1 << 20) + (64 << 10);     // headers + body on the wire (413 beyond)
  int max_per_peer = 32;          // open connections from one address (503 and closed beyond)
  int min_threads = 8;            // workers started at once
  int max_threads = 128;          // workers at most (one per open connection)
  int keep_alive_requests = 100;  // requests on one connection before it is closed
};

class HardenedServer : public httplib::Server {
 public:
  explicit HardenedServer(ConnectionLimits limits);

  // One raw HTTP request (bytes as on the wire, possibly several pipelined) through the same
  // parsing, routing and handlers as a socket, with no socket: the response bytes. For fuzzing
  // and tests in process.
  std::string process_raw(std::string_view request);

  // After binding: a longer accept queue than cpp-httplib's 5, whose overflow under a burst of
  // connections made clients retransmit their SYN after a second.
  void widen_backlog(int connections);

  // True on the thread of a request whose read was refused for size: the error handler
  // answers 413 instead of cpp-httplib's 400.
  static bool request_over_limit();
  // True on the thread of a request whose read ran past its deadline (408).
  static bool request_timed_out();
  // For a handler that answers before the body is read (a POST without a length, a length over
  // the limit) or a request that could not be parsed: the connection is closed after this
  // response, so bytes left unread are never taken for a request. `over_limit`: the client's
  // bytes are first drained for up to a second, as for a body read past the limit, so that it
  // can read the answer.
  static void close_after_response(bool over_limit = false);

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool admit(const std::string& peer);
  void release(const std::string& peer);

  ConnectionLimits limits_;
  std::mutex peers_mutex_;
  std::map<std::string, int> peers_;
};

}  // namespace mre::server
