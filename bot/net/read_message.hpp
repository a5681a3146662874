#pragma once
// Reading an HTTP message into a Beast parser, for bot/net's .cpp files only (heavy headers).
//
// Why not http::async_read: Beast 1.81's parser re-parses a chunked body's last chunk ("0\r\n
// ... \r\n") on every call until it is complete, and asserts that it is then given at least
// five bytes (boostorg/beast#2861, fixed in Boost 1.86). A client sending "0\r\n" and then one
// byte aborted debug and sanitizer builds; release builds parse it correctly. So we drive the
// parser ourselves and never hand it fewer than five unconsumed bytes inside a chunked body.
// That never stalls a well-formed message: its last chunk is at least five bytes and stays
// unconsumed until the message is complete.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>

namespace smrel::net {

/// The fewest unconsumed bytes Beast 1.81 may be given while inside a chunked body.
inline constexpr std::size_t min_chunked_put_bytes = 5;

/// Whether `pending` unconsumed bytes may be handed to the parser now.
template <bool isRequest>
bool may_put(const boost::beast::http::basic_parser<isRequest>& parser, std::size_t pending) {
  if (pending == 0) return false;
  const bool inside_chunked_body = parser.is_header_done() && parser.chunked() && !parser.is_done();
  return !inside_chunked_body || pending >= min_chunked_put_bytes;
}

/// Reads until the head (`head_only`) or the whole message is parsed, like http::async_read:
/// an end of stream before any byte is http::error::end_of_stream, after some it is whatever
/// put_eof says, and a full buffer is http::error::buffer_overflow.
template <class Stream, bool isRequest>
boost::asio::awaitable<boost::system::error_code> read_message(Stream& stream, boost::beast::flat_buffer& buffer,
                                                               boost::beast::http::basic_parser<isRequest>& parser,
                                                               bool head_only, std::size_t read_size) {
  namespace http = boost::beast::http;
  using boost::system::error_code;
  constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  const auto finished = [&] { return head_only ? parser.is_header_done() : parser.is_done(); };
  parser.eager(!head_only);  // as http::async_read_header and http::async_read do
  for (;;) {
    if (finished()) co_return error_code();
    if (may_put(parser, buffer.size())) {
      error_code ec;
      const auto used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) co_return ec;
      if (!ec && (used > 0 || finished())) continue;
    }
    const auto size = boost::beast::read_size(buffer, read_size);
    if (size == 0) co_return error_code(http::error::buffer_overflow);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(size), use_tuple);
    if (ec == boost::asio::error::eof) {
      if (!parser.got_some()) co_return error_code(http::error::end_of_stream);
      error_code eof_ec;
      parser.put_eof(eof_ec);
      co_return eof_ec;
    }
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

}  // namespace smrel::net
