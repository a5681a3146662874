#pragma once
// Renders neutral messages as Adaptive Cards for Teams: version 1.5 (the newest Teams renders for
// bots), full width, buttons as Action.Execute (Universal Actions) each with an Action.Submit
// fallback carrying the same data object, and at most `max_card_bytes` per message: should a
// message not fit, trailing blocks are dropped and a "…" line says so.
#include <cstddef>
#include <string>
#include <string_view>

#include "bot/domain/message.hpp"

namespace smrel::adapters::teams {

/// Teams refuses messages over about 100 KB (counted as UTF-16); its guidance is to stay under
/// 80 KB. The whole activity (card and summary) stays within this many bytes of UTF-8 JSON.
inline constexpr std::size_t max_card_bytes = 80 * 1024;

/// The AdaptiveCard object.
std::string card_json(const domain::message& m);
/// A message activity carrying the card, with a plain-text `summary` for notifications.
std::string message_activity(const domain::message& m);
/// The HTTP body answering an `adaptiveCard/action` invoke: the card that replaces the clicked one.
std::string invoke_card_response(const domain::message& m);
/// The HTTP body refusing an `adaptiveCard/action` invoke (application/vnd.microsoft.error).
std::string invoke_error_response(int status, std::string_view code, std::string_view message);

}  // namespace smrel::adapters::teams
