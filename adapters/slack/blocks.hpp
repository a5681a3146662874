#pragma once
// Renders neutral messages as Slack Block Kit JSON, within Slack's documented limits (50 blocks,
// 150-character headers, 3,000-character sections, 10 fields or context elements, 25 buttons,
// 75-character button labels), always with a `text` fallback.
#include <string>
#include <string_view>

#include "bot/domain/message.hpp"

namespace smrel::adapters::slack {

/// The HTTP body answering a slash command (ephemeral unless the message says otherwise).
std::string command_reply_json(const domain::message& m);
/// A `response_url` body that answers beside the message a click came from (ephemeral unless the
/// message says otherwise) and never replaces it: Slack may otherwise take a response to a click
/// as the message's replacement.
std::string reply_json(const domain::message& m);
/// A `response_url` body that replaces the message the user clicked.
std::string replace_original_json(const domain::message& m);
/// A chat.postMessage body.
std::string post_message_json(std::string_view channel, const domain::message& m);
/// A views.publish body for the App Home tab.
std::string publish_home_json(std::string_view user, const domain::message& m);
/// chat.update: the message at `channel`/`ts` shown as `m`.
std::string update_message_json(std::string_view channel, std::string_view ts, const domain::message& m);

}  // namespace smrel::adapters::slack
