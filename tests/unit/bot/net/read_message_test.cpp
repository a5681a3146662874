// Reading requests and responses the way a slow or hostile peer sends them: a few bytes per read.
// The chunked cases once aborted debug and sanitizer builds inside Beast (its parser asserted on
// a last chunk re-parsed from four bytes; see read_message.hpp).
#include "bot/net/read_message.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include <algorithm>
#include <string>
#include <string_view>

#include "bot/net/request_parser.hpp"
#include "bot/net/response_parser.hpp"

namespace smrel::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// A stream that hands out at most `piece` bytes per read, then the end of the stream.
class trickle_stream {
 public:
  trickle_stream(asio::io_context& io, std::string_view wire, std::size_t piece) : io_(io), wire_(wire), piece_(piece) {}

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& into) {
          const auto n = std::min({piece_, wire_.size(), asio::buffer_size(into)});
          asio::buffer_copy(into, asio::buffer(wire_.data(), n));
          wire_.remove_prefix(n);
          ++reads_;
          const auto ec = n == 0 ? error_code(asio::error::eof) : error_code();
          asio::post(io_, [handler = std::move(handler), ec, n]() mutable { std::move(handler)(ec, n); });
        },
        token, buffers);
  }

  int reads() const { return reads_; }

 private:
  asio::io_context& io_;
  std::string_view wire_;
  std::size_t piece_;
  int reads_ = 0;
};

struct read_request_result {
  error_code head;
  error_code body;
  http_request request;
  std::string left_over;  // what stays in the buffer for the next request
};

read_request_result read_request(std::string_view wire, std::size_t piece) {
  asio::io_context io;
  trickle_stream stream(io, wire, piece);
  read_request_result out;
  std::string text;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        boost::beast::flat_buffer buffer(64 * 1024);
        request_parser parser(out.request, text, parse_limits{});
        out.head = co_await read_message(stream, buffer, parser, true, 64 * 1024);
        if (!out.head) out.body = co_await read_message(stream, buffer, parser, false, 64 * 1024);
        out.left_over = boost::beast::buffers_to_string(buffer.data());
      },
      asio::detached);
  io.run();
  out.request.method = {};  // views into `text`, which ends here
  out.request.target = {};
  out.request.headers.clear();
  return out;
}

constexpr std::string_view chunked_head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(read_message, an_empty_chunked_body_arriving_a_byte_at_a_time_completes) {
  constexpr std::string_view next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string wire = std::string(chunked_head) + "0\r\n\r\n" + std::string(next);
  for (std::size_t piece = 1; piece <= 8; ++piece) {
    const auto r = read_request(wire, piece);
    EXPECT_FALSE(r.head) << piece;
    EXPECT_FALSE(r.body) << piece << " " << r.body.message();
    EXPECT_EQ(r.request.body, "") << piece;
    EXPECT_TRUE(next.starts_with(r.left_over)) << piece << ": the next request is left alone";
  }
}

TEST(read_message, chunks_and_trailers_arriving_in_small_pieces_are_joined) {
  const std::string wire = std::string(chunked_head) + "4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\nTrailer: z\r\n\r\n";
  for (std::size_t piece = 1; piece <= 8; ++piece) {
    const auto r = read_request(wire, piece);
    EXPECT_FALSE(r.body) << piece << " " << r.body.message();
    EXPECT_EQ(r.request.body, "abcdef") << piece;
    EXPECT_EQ(r.left_over, "") << piece;
  }
}

TEST(read_message, a_chunked_body_cut_short_is_a_partial_message) {
  const std::string wire = std::string(chunked_head) + "4\r\nab";
  const auto r = read_request(wire, 3);
  EXPECT_EQ(r.body, boost::beast::http::error::partial_message);
}

TEST(read_message, a_stream_ending_before_any_byte_is_the_end_of_the_stream) {
  const auto r = read_request("", 4);
  EXPECT_EQ(r.head, boost::beast::http::error::end_of_stream);
}

TEST(read_message, a_response_with_a_chunked_body_is_read_a_byte_at_a_time) {
  const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n0\r\n\r\n";
  asio::io_context io;
  trickle_stream stream(io, wire, 1);
  client_response response;
  error_code ec = asio::error::would_block;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        boost::beast::flat_buffer buffer(64 * 1024);
        response_parser parser(response, 64 * 1024, 1024 * 1024);
        ec = co_await read_message(stream, buffer, parser, false, 64 * 1024);
      },
      asio::detached);
  io.run();
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}\n");
  EXPECT_GE(stream.reads(), static_cast<int>(wire.size()));
}

}  // namespace
}  // namespace smrel::net
