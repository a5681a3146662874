#pragma once
// What people do in chat, after an adapter has verified and translated the platform's payload.
#include <string>

#include "bot/domain/ids.hpp"

namespace smrel::domain {

/// `/smrel <text>`.
struct slash_command {
  member_key who;
  std::string text;     // everything after the command, trimmed
  std::string channel;  // where it was typed
  std::string locale;   // the user's locale when the platform tells it, else empty
};

/// A click on one of our buttons.
struct button_click {
  member_key who;
  std::string action;  // button::action
  std::string value;   // button::value, unverified
  std::string channel;
  std::string message_id;    // the clicked message (Slack ts), to update it
  std::string response_url;  // where the platform lets us replace the clicked message
  std::string click_id;      // the platform's id of this click (Slack action_ts); empty if none
};

/// The user opened the bot's home surface (Slack App Home): its Home tab, or its Messages tab
/// (the direct messages with the bot, where pulses arrive).
struct home_opened {
  member_key who;
  bool home_tab = true;
  std::string dm_channel;  // the user's DM channel with the bot, when the platform says
};

}  // namespace smrel::domain
