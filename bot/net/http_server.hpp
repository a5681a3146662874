#pragma once
// The HTTP/1.1 server: keep-alive, a fresh parser with header and body limits per request, a
// timeout on every read and write, a cap on connections, optional TLS, and a graceful drain.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
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
  std::chrono::milliseconds drain_timeout{10'000};  // how long shutdown waits for in-flight requests
  /// With one thread running the io_context, connections need no strand (saves a dispatch per step).
  bool single_threaded = false;
};

struct tls_files {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

/// Called once per request. Must not throw: the server answers 500 if it does, and logs it.
using request_handler = std::function<boost::asio::awaitable<http_response>(http_request&)>;

/// Why the server refused a request before any handler saw it, for logs and metrics.
enum class refusal { header_too_large, body_too_large, malformed, timeout, too_many_connections };
using refusal_observer = std::function<void(refusal, const std::string& remote)>;

class http_server {
 public:
  http_server(boost::asio::io_context& io, server_limits limits, request_handler handler,
              const tls_files* tls = nullptr, refusal_observer on_refusal = {});
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds "host:port" ("[::1]:0" works; port 0 picks one) and starts accepting. Returns the
  /// bound port. Throws std::runtime_error with a clear message when it cannot bind.
  unsigned short listen(const std::string& host_port);

  /// Stops accepting, lets in-flight requests finish (up to drain_timeout), closes idle
  /// connections. Completes when no connection is left. Safe to call from any thread.
  void shutdown(std::function<void()> on_drained);

  std::size_t open_connections() const;

  struct impl;  // defined in http_server.cpp; public only so its sessions can name it

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace smrel::net
