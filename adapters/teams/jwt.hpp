#pragma once
// The Bot Connector's inbound token (a JWS in compact form, "Authorization: Bearer <JWT>") and the
// rules it must pass before an activity is believed: RS256 by a key from the Bot Framework JWKS,
// the Bot Framework issuer, our app id as audience, a lifetime with five minutes of skew, and —
// once the activity is parsed — the key's endorsements and the serviceurl claim.
// Pure: the keys and "now" are arguments.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/teams/jwks.hpp"

namespace smrel::adapters::teams {

/// Larger tokens are refused unread; real ones are about 1.5 KB.
inline constexpr std::size_t max_token_bytes = 8 * 1024;

struct token_rules {
  std::string app_id;
  std::string issuer = "https://api.botframework.com";
  std::chrono::seconds skew{300};
};

enum class token_problem {
  none,
  scheme,         // not "Bearer <token>"
  malformed,      // not a compact JWS with JSON header and claims of the right types
  algorithm,      // alg other than RS256
  issuer,
  audience,
  no_expiry,
  expired,
  not_yet_valid,
  unknown_key,    // no kid, or a kid the key set does not have
  signature,
  endorsement,    // the key is endorsed for other channels only
  service_url,    // the serviceurl claim is missing or differs from the activity's serviceUrl
};

std::string_view describe(token_problem problem);

/// What a verified token still has to say about the activity it came with.
struct verified_token {
  std::string kid;
  std::string service_url;
  bool has_service_url = false;
  std::vector<std::string> endorsements;  // of the key that signed it; empty: no restriction
  /// exp rounded up to whole seconds: valid while now < expires_at + skew.
  std::int64_t expires_at = 0;
};

/// problem == none: `token` is filled in. Otherwise `token.kid` is the header's kid when the token
/// got that far (e.g. with unknown_key), so the caller can refresh its keys.
struct token_verification {
  token_problem problem = token_problem::malformed;
  verified_token token;
  bool ok() const { return problem == token_problem::none; }
};

/// The token of an Authorization header: exactly "Bearer" (case as written), one space, and a
/// token with no further spaces.
std::optional<std::string_view> bearer_token(std::string_view authorization);

/// The kid in a token's header, read without verifying anything: which key a refresh should
/// bring. Nothing when the token is malformed or names no kid.
std::optional<std::string> token_key_id(std::string_view token);

/// Parse, then: alg exactly RS256; iss (checked before any key is looked up, so a token from
/// another issuer cannot make the caller fetch keys); the key by kid; the RS256 signature; aud
/// (a string, or an array that must contain the app id); exp required; exp and nbf with skew.
token_verification verify(std::string_view token, const key_set& keys, const token_rules& rules,
                          std::int64_t now_unix_seconds);

/// The checks that need the activity: when the key has endorsements, a non-empty channel id must
/// be among them; then the serviceurl claim must equal the activity's serviceUrl exactly.
token_problem check_activity(const verified_token& token, std::string_view channel_id, std::string_view service_url);

}  // namespace smrel::adapters::teams
