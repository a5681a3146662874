#pragma once
// Synchronous HTTP for tests: one request per call over a fresh loopback connection, plus raw
// socket helpers for misbehaving clients.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <utility>
#include <vector>

namespace smrel::testing {

struct test_response {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

inline test_response http_call(unsigned short port, const std::string& method, const std::string& target,
                               const std::string& body = {},
                               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  test_response out{static_cast<int>(res.result_int()), res.body(), {}};
  for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  boost::system::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return out;
}

/// Sends raw bytes and returns whatever comes back before the server closes (or `wait` passes).
inline std::string raw_exchange(unsigned short port, const std::string& bytes, bool half_close = true) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  boost::asio::write(socket, boost::asio::buffer(bytes));
  boost::system::error_code ec;
  if (half_close) socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  std::string reply;
  char chunk[4096];
  for (;;) {
    const auto n = socket.read_some(boost::asio::buffer(chunk), ec);
    if (ec) break;
    reply.append(chunk, n);
  }
  return reply;
}

}  // namespace smrel::testing
