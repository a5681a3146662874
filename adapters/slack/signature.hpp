#pragma once
// Slack request signing (v0): HMAC-SHA256 of "v0:{timestamp}:{raw body}" with the signing secret,
// checked before anything looks at the body. The clock is an argument, so tests choose "now".
#include <chrono>
#include <string_view>

#include "bot/domain/hmac.hpp"

namespace smrel::adapters::slack {

inline constexpr std::chrono::seconds max_clock_skew{5 * 60};

enum class signature_check {
  ok,
  missing_headers,  // no X-Slack-Signature or X-Slack-Request-Timestamp
  malformed,        // not "v0=" + 64 hex, or a timestamp that is not a number
  stale,            // more than five minutes from now, either way
  mismatch,
};

std::string_view describe(signature_check result);

/// The checks that need no body: both headers present and well-formed, the timestamp within the
/// window. `ok` here means only "worth reading the body for"; the server runs it before it reads
/// one, so an unsigned client cannot make it buffer a megabyte.
signature_check check_signature_headers(std::string_view timestamp_header, std::string_view signature_header,
                                        std::chrono::system_clock::time_point now);

/// `secret` is the signing secret, keyed once at start-up.
signature_check verify_signature(const domain::hmac_sha256& secret, std::string_view timestamp_header,
                                 std::string_view signature_header, std::string_view body,
                                 std::chrono::system_clock::time_point now);

/// Signs like Slack does; for tests, fakes and the benchmark client.
std::string sign(const domain::hmac_sha256& secret, std::string_view timestamp, std::string_view body);

}  // namespace smrel::adapters::slack
