#pragma once
// Slack payloads in, neutral domain events out. Call only after verify_signature() passed.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "bot/domain/inbound.hpp"

namespace smrel::adapters::slack {

struct parse_error {
  std::string reason;  // for logs; never echoed to the caller
};

template <class T>
using parsed = std::variant<T, parse_error>;

/// A slash command form body. Slack's `ssl_check=1` probes come back as `ssl_check`.
struct ssl_check {};
parsed<std::variant<domain::chat_command, ssl_check>> parse_command(std::string_view form_body);

/// An interactivity form body (`payload=<json>`). Only block_actions carry clicks; other
/// interaction types come back as `ignored_interaction` so they are acknowledged and dropped.
struct ignored_interaction {
  std::string type;
};
parsed<std::variant<domain::button_click, ignored_interaction>> parse_interaction(std::string_view form_body);

/// Events API bodies.
struct url_verification {
  std::string challenge;
};
struct event_callback {
  std::string event_id;  // globally unique: the deduplication key
  std::string event_type;
  domain::platform_event event;  // monostate: an event we do not act on
};
/// Slack's notice that it is dropping this app's events for a minute (over 30,000 an hour for a
/// workspace): acknowledged, never retried by Slack.
struct app_rate_limited {
  std::string team_id;
  std::int64_t minute_rate_limited = 0;  // the start of the minute, seconds since the epoch
};
parsed<std::variant<url_verification, event_callback, app_rate_limited>> parse_event(std::string_view json_body);

}  // namespace smrel::adapters::slack
