#pragma once
// The bot's own access token for the Bot Connector (OAuth 2.0 client credentials): the form to
// POST to the token endpoint and the reading of its answer. Pure: the service sends and caches.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace smrel::adapters::teams {

/// What the Bot Connector accepts tokens for.
inline constexpr std::string_view connector_scope = "https://api.botframework.com/.default";

/// application/x-www-form-urlencoded: grant_type=client_credentials, client_id, client_secret,
/// scope. Every byte outside the unreserved set is percent-encoded, so a secret with '&', '+' or
/// '=' arrives intact.
std::string token_request_form(std::string_view app_id, std::string_view app_password);

struct access_grant {
  std::string token;
  std::chrono::seconds lifetime;
};

/// The token endpoint's JSON answer: token_type "Bearer" (any case), a non-empty access_token
/// that can go into a header as is, and expires_in > 0 (a number, or a numeric string as some
/// endpoints send). Nothing otherwise.
std::optional<access_grant> parse_token_answer(std::string_view body);

}  // namespace smrel::adapters::teams
