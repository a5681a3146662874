#include "bot/net/request_parser.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstdint>

namespace smrel::net {

namespace http = boost::beast::http;

namespace {

// Chunk extensions carry nothing we use; a few are tolerated, megabytes of them are an attack.
constexpr std::size_t max_chunk_extension_bytes = 4 * 1024;
// Chunk-size lines count with the body; this much framing on top of a full body is still fine.
constexpr std::size_t chunk_framing_slack = 16 * 1024;
// ": " and CRLF around each field; SP, SP, "HTTP/1.1" and CRLF around the request line.
constexpr std::size_t field_overhead = 4;
constexpr std::size_t request_line_overhead = 12;
constexpr std::uint64_t body_reserve_bytes = 64 * 1024;

std::size_t hex_digits(std::uint64_t n) {
  std::size_t digits = 1;
  while (n >>= 4) ++digits;
  return digits;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

request_parser::request_parser(http_request& out, std::string& text, const parse_limits& limits)
    : out_(out), text_(text), limits_(limits) {
  text_.clear();
  if (text_.capacity() < limits_.max_header_bytes) text_.reserve(limits_.max_header_bytes);
  header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, UINT32_MAX)));
  body_limit(limits_.max_body_bytes);
}

void request_parser::refuse(parse_problem why, error_code& ec) {
  problem_ = why;
  ec = http::error::bad_value;  // stops the parse; problem_ says why
}

bool request_parser::keep(string_view s, std::string_view& view) {
  if (text_.size() + s.size() > text_.capacity()) return false;
  const auto at = text_.size();
  text_.append(s.data(), s.size());
  view = std::string_view(text_).substr(at, s.size());
  return true;
}

void request_parser::on_request_impl(http::verb, string_view method, string_view target, int version,
                                     error_code& ec) {
  header_bytes_ = method.size() + target.size() + request_line_overhead;
  version_ = static_cast<unsigned>(version);
  if (header_bytes_ > limits_.max_header_bytes || !keep(method, out_.method) || !keep(target, out_.target)) {
    refuse(parse_problem::header_too_large, ec);
  }
}

void request_parser::on_response_impl(int, string_view, int, error_code& ec) { ec = http::error::bad_version; }

void request_parser::on_field_impl(field name, string_view name_string, string_view value, error_code& ec) {
  header_bytes_ += name_string.size() + value.size() + field_overhead;
  if (header_bytes_ > limits_.max_header_bytes) return refuse(parse_problem::header_too_large, ec);
  // Trailer fields are counted, never kept: a trailer must not stand in for a header that a
  // handler checked (e.g. a signature), and nothing we serve needs one.
  if (header_done_) return;
  if (name == field::host) {
    ++host_fields_;
  } else if (name == field::transfer_encoding) {
    ++transfer_encodings_;
    only_chunked_ = boost::beast::iequals(trim(value), "chunked");
  } else if (name == field::expect) {
    expects_continue_ = boost::beast::iequals(trim(value), "100-continue");
  }
  std::string_view kept_name;
  std::string_view kept_value;
  if (!keep(name_string, kept_name) || !keep(value, kept_value)) return refuse(parse_problem::header_too_large, ec);
  out_.headers.emplace_back(kept_name, kept_value);
}

void request_parser::on_header_impl(error_code& ec) {
  header_done_ = true;
  // RFC 9112 §6.1, §6.3: we decode no coding but a single final "chunked"; anything else would
  // leave the body's end unknown and let the rest of the stream pass for a second request.
  // Beast already refuses a length next to "chunked"; a length next to any other coding too.
  const bool framing_ok = transfer_encodings_ == 0 ||
                          (transfer_encodings_ == 1 && only_chunked_ && version_ >= 11 && !content_length());
  // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one before.
  const bool host_ok = version_ >= 11 ? host_fields_ == 1 : host_fields_ <= 1;
  if (!framing_ok || !host_ok) refuse(parse_problem::bad_framing, ec);
}

void request_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
  // Beast has already held a declared length to the body limit. Only a little is reserved up
  // front: a declared megabyte that never comes must not cost a megabyte per connection.
  if (content_length) out_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length, body_reserve_bytes)));
}

std::size_t request_parser::on_body_impl(string_view body, error_code& ec) {
  body_bytes_ += body.size();
  if (body_bytes_ > limits_.max_body_bytes) {
    refuse(parse_problem::body_too_large, ec);
    return 0;
  }
  out_.body.append(body.data(), body.size());
  return body.size();
}

void request_parser::on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) {
  extension_bytes_ += extensions.size();
  body_bytes_ += hex_digits(size) + extensions.size() + 4;  // the size line's CRLF and the data's
  if (extension_bytes_ > max_chunk_extension_bytes || body_bytes_ > limits_.max_body_bytes + chunk_framing_slack) {
    refuse(parse_problem::body_too_large, ec);
  }
}

std::size_t request_parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  body_bytes_ += body.size();
  if (out_.body.size() + body.size() > limits_.max_body_bytes ||
      body_bytes_ > limits_.max_body_bytes + chunk_framing_slack) {
    refuse(parse_problem::body_too_large, ec);
    return 0;
  }
  out_.body.append(body.data(), body.size());
  return body.size();
}

void request_parser::on_finish_impl(error_code&) {}

}  // namespace smrel::net
