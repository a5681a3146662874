#pragma once
// A request parser that fills our http_request directly and never throws: Beast's own
// request_parser stores fields in basic_fields, which throws std::length_error on a field over
// 64 KiB (a trailer is not covered by the header limit), and that exception once ended the process.
#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "bot/net/http_message.hpp"

namespace smrel::net {

/// Why a request cannot be served, beyond what Beast's parser itself reports.
enum class parse_problem { none, header_too_large, body_too_large, bad_framing };

struct parse_limits {
  std::size_t max_header_bytes = 16 * 1024;  // start line, header fields and trailer fields
  std::size_t max_body_bytes = 1024 * 1024;  // body bytes plus chunk-size lines
};

class request_parser final : public boost::beast::http::basic_parser<true> {
 public:
  /// `text` holds method, target and fields; reused across requests so its capacity is
  /// allocated once per connection. `out` gets views into it, valid while `text` is untouched.
  request_parser(http_request& out, std::string& text, const parse_limits& limits);

  parse_problem problem() const { return problem_; }
  unsigned version() const { return version_; }
  bool expects_continue() const { return expects_continue_; }

 private:
  using error_code = boost::beast::error_code;
  using field = boost::beast::http::field;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(field name, string_view name_string, string_view value, error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  // Copies into `text_` without ever reallocating it, so earlier views stay valid.
  bool keep(string_view s, std::string_view& view);
  void refuse(parse_problem why, error_code& ec);

  http_request& out_;
  std::string& text_;
  parse_limits limits_;
  std::size_t header_bytes_ = 0;
  std::size_t body_bytes_ = 0;
  std::size_t extension_bytes_ = 0;
  parse_problem problem_ = parse_problem::none;
  unsigned version_ = 11;
  unsigned host_fields_ = 0;
  unsigned transfer_encodings_ = 0;
  bool only_chunked_ = false;
  bool expects_continue_ = false;
  bool header_done_ = false;
};

}  // namespace smrel::net
