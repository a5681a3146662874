#pragma once
// The HTTP/1.1 server: keep-alive, a fresh parser with header and body limits per request, a
// timeout on every read and write, a cap on connections (idle keep-alive connections make room
// for new ones), optional TLS, and a graceful drain.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bot/net/http_message.hpp"

namespace smrel::net {

struct server_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds read_timeout{10'000};   // for one request, once its first byte arrived
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};   // between keep-alive requests
  /// Replaces idle_timeout, and read_timeout for request heads, while more than three quarters of
  /// the connection cap are in use.
  std::chrono::milliseconds pressure_idle_timeout{2'000};
  std::chrono::milliseconds drain_timeout{10'000};  // how long shutdown waits for in-flight requests
  /// Descriptors kept free below RLIMIT_NOFILE for the database, outbound calls and logs; the
  /// connection cap is lowered to fit (see connection_cap()).
  std::size_t reserved_fds = 64;
  /// With one thread running the io_context, connections need no strand (saves a dispatch per step).
  bool single_threaded = false;
};

struct tls_files {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

/// Called once per request. Must not throw: the server answers 500 if it does, and logs it.
using request_handler = std::function<boost::asio::awaitable<http_response>(http_request&)>;

/// Looks at a request's head (method, target, headers; body still unread) and returns a status
/// to refuse it with, or nothing to go on. A refused request's body is never read and its
/// connection is closed. Runs on the connection's executor; must not throw (a throw refuses 500).
using request_screen = std::function<std::optional<int>(const http_request& head)>;

/// Why the server refused a request before any handler saw it, for logs and metrics.
/// bad_framing: ambiguous or unsupported message framing (Transfer-Encoding, Content-Length,
/// Host), answered 400 and closed. screened: the request_screen refused it. evicted_idle: an idle
/// keep-alive connection closed to admit a new one at the cap. out_of_descriptors: accept()
/// failed for want of file descriptors or memory.
enum class refusal {
  header_too_large,
  body_too_large,
  malformed,
  timeout,
  too_many_connections,
  bad_framing,
  screened,
  evicted_idle,
  out_of_descriptors,
};
using refusal_observer = std::function<void(refusal, const std::string& remote)>;

class http_server {
 public:
  http_server(boost::asio::io_context& io, server_limits limits, request_handler handler,
              const tls_files* tls = nullptr, refusal_observer on_refusal = {}, request_screen screen = {});
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds "host:port" ("[::1]:0" works; port 0 picks one) and starts accepting. Returns the
  /// bound port. Throws std::runtime_error with a clear message when it cannot bind. Also raises
  /// the process's soft descriptor limit to the hard one and fits the connection cap under it.
  unsigned short listen(const std::string& host_port);

  /// Stops accepting, lets in-flight requests finish (up to drain_timeout), closes idle
  /// connections. Completes when no connection is left. Safe to call from any thread.
  void shutdown(std::function<void()> on_drained);

  std::size_t open_connections() const;
  /// The connection cap in force: max_connections, lowered at listen() to fit the descriptor limit.
  std::size_t connection_cap() const;
  /// How many accept() calls have failed (e.g. EMFILE); each one is followed by a pause.
  std::size_t accept_failures() const;

  struct impl;  // defined in http_server.cpp; public only so its sessions can name it

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace smrel::net
