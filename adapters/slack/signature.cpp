#include "adapters/slack/signature.hpp"

#include <charconv>

namespace smrel::adapters::slack {
namespace {

constexpr std::string_view version_prefix = "v0=";
constexpr std::size_t hex_digest_length = 64;
// Unix seconds have 10 digits until the year 2286; more is not a timestamp Slack sends, and
// refusing it keeps every later sum far from overflow.
constexpr std::size_t max_timestamp_digits = 10;

}  // namespace

std::string_view describe(signature_check result) {
  switch (result) {
    case signature_check::ok: return "ok";
    case signature_check::missing_headers: return "missing signature headers";
    case signature_check::malformed: return "malformed signature headers";
    case signature_check::stale: return "timestamp outside the five-minute window";
    case signature_check::mismatch: return "signature mismatch";
  }
  return "unknown";
}

std::string sign(const domain::hmac_sha256& secret, std::string_view timestamp, std::string_view body) {
  return std::string(version_prefix) + domain::to_hex(secret.sign({"v0:", timestamp, ":", body}));
}

signature_check check_signature_headers(std::string_view timestamp_header, std::string_view signature_header,
                                        std::chrono::system_clock::time_point now) {
  if (timestamp_header.empty() || signature_header.empty()) return signature_check::missing_headers;
  if (timestamp_header.size() > max_timestamp_digits || timestamp_header.find_first_not_of("0123456789") != std::string_view::npos ||
      !signature_header.starts_with(version_prefix) ||
      signature_header.size() != version_prefix.size() + hex_digest_length) {
    return signature_check::malformed;
  }
  long long sent = 0;
  std::from_chars(timestamp_header.data(), timestamp_header.data() + timestamp_header.size(), sent);
  // Whole seconds on both sides: converting the timestamp to the clock's nanoseconds would
  // overflow for large values and could wrap a far-future one into the window.
  const long long current = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const long long skew = sent > current ? sent - current : current - sent;
  if (skew > max_clock_skew.count()) return signature_check::stale;
  return signature_check::ok;
}

signature_check verify_signature(const domain::hmac_sha256& secret, std::string_view timestamp_header,
                                 std::string_view signature_header, std::string_view body,
                                 std::chrono::system_clock::time_point now) {
  if (const auto headers = check_signature_headers(timestamp_header, signature_header, now); headers != signature_check::ok) {
    return headers;
  }
  // Compare as lower-case hex without building the expected header string.
  const auto digest = secret.sign({"v0:", timestamp_header, ":", body});
  static constexpr char hex[] = "0123456789abcdef";
  char expected[hex_digest_length];
  for (std::size_t i = 0; i < digest.size(); ++i) {
    expected[2 * i] = hex[digest[i] >> 4];
    expected[2 * i + 1] = hex[digest[i] & 0x0F];
  }
  return domain::constant_time_equal(std::string_view(expected, hex_digest_length), signature_header.substr(version_prefix.size()))
             ? signature_check::ok
             : signature_check::mismatch;
}

}  // namespace smrel::adapters::slack
