#pragma once
// A response parser for the outbound client that fills client_response directly and never
// throws: a peer answering with a huge header or trailer gets an error code, not an abort
// (Beast's basic_fields throws std::length_error on a field over 64 KiB).
#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <cstdint>

#include "bot/net/http_client.hpp"

namespace smrel::net {

class response_parser final : public boost::beast::http::basic_parser<false> {
 public:
  response_parser(client_response& out, std::size_t max_header_bytes, std::size_t max_body_bytes);

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code& ec) override;
  void on_response_impl(int status, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  std::size_t take_body(string_view body, error_code& ec);

  client_response& out_;
  std::size_t max_header_bytes_;
  std::size_t max_body_bytes_;
  std::size_t header_bytes_ = 0;
  std::size_t framing_bytes_ = 0;
  bool header_done_ = false;
};

}  // namespace smrel::net
