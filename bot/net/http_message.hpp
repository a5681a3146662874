#pragma once
// Neutral HTTP request and response: what the router and handlers see. No Beast types, so
// handlers unit-test without sockets.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smrel::net {

/// Method, target and headers view the server's parsed message: valid for the handler call only.
struct http_request {
  std::string_view method;  // "GET", "POST", …
  std::string_view target;  // path and query, as sent
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // as sent
  std::string body;
  std::string_view remote;  // peer address, for logs
  std::chrono::steady_clock::time_point received_at;

  /// First header with this name (compared without regard to case), or empty.
  std::string_view header(std::string_view name) const;
  /// The target without its query string.
  std::string_view path() const;
};

struct http_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// When set, sent instead of `body`, without copying: for replies rendered once and sent often.
  std::shared_ptr<const std::string> shared_body;

  std::string_view payload() const { return shared_body ? std::string_view(*shared_body) : std::string_view(body); }

  static http_response json(std::string body, int status = 200) {
    return {status, "application/json; charset=utf-8", std::move(body), {}, {}};
  }
  static http_response json(std::shared_ptr<const std::string> body) {
    return {200, "application/json; charset=utf-8", {}, {}, std::move(body)};
  }
  static http_response text(std::string body, int status = 200) {
    return {status, "text/plain; charset=utf-8", std::move(body), {}, {}};
  }
  /// A status with an empty body (e.g. 401 for a bad signature: nothing to learn from it).
  static http_response empty(int status) { return {status, "", "", {}, {}}; }
};

}  // namespace smrel::net
