// The HTTP request path (bot/net/request_parser) as the server drives it: raw bytes from one
// connection, arriving in pieces, parsed head first and then body, request after request
// (keep-alive and pipelining), under small limits so the fuzzer reaches them. Input: first byte
// chooses the piece size, the rest is what the client sends.
// Checks: nothing throws or crashes; a parsed request never exceeds its limits; every header view
// points into the parser's text store; a refused request ends the connection.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/net/read_message.hpp"
#include "bot/net/request_parser.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using smrel::fuzz::check;
namespace http = boost::beast::http;

namespace {

constexpr smrel::net::parse_limits limits{512, 2048};
constexpr int max_requests_per_connection = 8;

bool inside(std::string_view view, const std::string& store) {
  return view.empty() || (view.data() >= store.data() && view.data() + view.size() <= store.data() + store.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string pending;  // what arrived and was not consumed yet, like the session's buffer
  std::string text;     // the parser's store for method, target and fields, reused per request

  for (int n = 0; n < max_requests_per_connection; ++n) {
    smrel::net::http_request request;
    smrel::net::request_parser parser(request, text, limits);
    parser.eager(true);
    bool head_checked = false;
    for (;;) {
      boost::beast::error_code ec;
      std::size_t used = 0;
      // As the server's read loop (bot/net/read_message.hpp) does: too few bytes inside a chunked
      // body wait for more instead of reaching the parser.
      if (smrel::net::may_put(parser, pending.size())) {
        used = parser.put(boost::asio::buffer(pending), ec);
        pending.erase(0, used);
      } else {
        ec = http::error::need_more;
      }
      if (ec == http::error::need_more || (!ec && !parser.is_done() && used == 0)) {
        if (wire.empty()) return 0;  // the client stopped sending
        const auto take = std::min(piece, wire.size());
        pending.append(wire.substr(0, take));
        wire.remove_prefix(take);
        continue;
      }
      if (ec || parser.problem() != smrel::net::parse_problem::none) return 0;  // refused: connection closes
      if (parser.is_header_done() && !head_checked) {
        head_checked = true;
        check(!request.method.empty(), "a parsed request has a method");
        check(inside(request.method, text) && inside(request.target, text), "method and target live in the store");
        for (const auto& [name, value] : request.headers) {
          check(inside(name, text) && inside(value, text), "header views live in the store");
        }
        check(text.size() <= limits.max_header_bytes, "the head stays within the header limit");
      }
      if (parser.is_done()) break;
    }
    check(request.body.size() <= limits.max_body_bytes, "the body stays within the body limit");
    if (!parser.keep_alive()) return 0;
  }
  return 0;
}
