#include "bot/net/response_parser.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace smrel::net {

namespace http = boost::beast::http;

namespace {

constexpr std::size_t field_overhead = 4;         // ": " and CRLF
constexpr std::size_t status_line_overhead = 16;  // "HTTP/1.1 200 " and CRLF
// Chunk-size lines and extensions on top of the body; beyond this a peer is wasting our memory.
constexpr std::size_t max_chunk_framing_bytes = 64 * 1024;

}  // namespace

response_parser::response_parser(client_response& out, std::size_t max_header_bytes, std::size_t max_body_bytes)
    : out_(out), max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {
  header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(max_header_bytes, UINT32_MAX)));
  body_limit(max_body_bytes);
}

void response_parser::on_request_impl(http::verb, string_view, string_view, int, error_code& ec) {
  ec = http::error::bad_version;
}

void response_parser::on_response_impl(int status, string_view reason, int, error_code& ec) {
  header_bytes_ = reason.size() + status_line_overhead;
  if (header_bytes_ > max_header_bytes_) ec = http::error::header_limit;
  out_.status = status;
}

void response_parser::on_field_impl(http::field, string_view name, string_view value, error_code& ec) {
  header_bytes_ += name.size() + value.size() + field_overhead;
  if (header_bytes_ > max_header_bytes_) {
    ec = http::error::header_limit;
    return;
  }
  if (header_done_) return;  // trailers are counted, never kept
  std::string lower(name);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  out_.headers.emplace_back(std::move(lower), std::string(value));
}

void response_parser::on_header_impl(error_code&) { header_done_ = true; }

void response_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
  if (content_length) out_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length, max_body_bytes_)));
}

std::size_t response_parser::take_body(string_view body, error_code& ec) {
  if (out_.body.size() + body.size() > max_body_bytes_) {
    ec = http::error::body_limit;
    return 0;
  }
  out_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t response_parser::on_body_impl(string_view body, error_code& ec) { return take_body(body, ec); }

void response_parser::on_chunk_header_impl(std::uint64_t, string_view extensions, error_code& ec) {
  framing_bytes_ += extensions.size() + 20;  // at most 16 hex digits and two CRLFs
  if (framing_bytes_ > max_chunk_framing_bytes) ec = http::error::body_limit;
}

std::size_t response_parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return take_body(body, ec);
}

void response_parser::on_finish_impl(error_code&) {}

}  // namespace smrel::net
