#pragma once
// An HTTP/1.1 client for outbound platform calls: TLS with certificate and host-name verification
// (SNI included), keep-alive connections reused per origin, and a deadline on every step.
// Plain http:// is accepted so tests can point it at fakes on 127.0.0.1.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace smrel::net {

struct client_request {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct client_response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string_view header(std::string_view lower_name) const;
};

struct client_options {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{10'000};  // send and receive, once connected
  std::size_t max_response_bytes = 4 * 1024 * 1024;
  std::size_t max_idle_per_origin = 8;
};

class http_client {
 public:
  http_client(boost::asio::io_context& io, client_options options = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request. Network failures, timeouts and TLS errors come back as an error code;
  /// any HTTP status is a response.
  boost::asio::awaitable<std::pair<boost::system::error_code, client_response>> send(client_request request);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smrel::net
