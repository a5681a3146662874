#pragma once
// A Bot Framework activity from Teams, read into what smrel acts on: a command, a click on one of
// our cards (Universal Action or its Action.Submit fallback), an install or an uninstall, or
// nothing. Parsing only: the JWT and the serviceUrl are checked by the caller.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smrel::adapters::teams {

/// A channel account: `id` is the "29:" user id (or "28:" for a bot), `aad_object_id` the Entra id.
struct account {
  std::string id;
  std::string aad_object_id;
  std::string name;
};

struct activity {
  enum class kind : std::uint8_t {
    command,      // a message to the bot: personal, or @mentioning it in a channel or group chat
    card_action,  // invoke "adaptiveCard/action" (Action.Execute): answered in the HTTP response
    card_submit,  // a message whose object `value` carries our data (the Action.Submit fallback)
    installed,    // conversationUpdate with members added, or installationUpdate "add"
    uninstalled,  // installationUpdate "remove", or the bot among the members removed
    ignored,      // anything else, including channel messages that do not @mention the bot
  };
  kind what = kind::ignored;
  std::string type, name, id, channel_id, service_url, tenant, locale;
  std::string conversation_id, conversation_type;  // personal | channel | groupChat
  account from;
  account recipient;
  /// command: the words, without the bot's mention or a leading "smrel ", "/smrel " or "@smrel ",
  /// trimmed, runs of white space as one space.
  std::string text;
  std::string action, value;  // our card data {"smrel": action, "value": value}; empty otherwise
  std::string verb;           // Action.Execute's verb
  std::string reply_to_id;    // card_submit: the card message's activity id
  std::vector<account> members_added;
  bool bot_added = false;  // the bot is among membersAdded, or installationUpdate "add"
  std::string team_id;     // channelData.team.id when present
};

/// Larger bodies are refused unread (Teams messages are at most about 100 KB).
inline constexpr std::size_t max_activity_bytes = 256 * 1024;

/// nullopt: too large, not JSON, not an object, no `type`, or a known field of the wrong JSON type.
std::optional<activity> parse_activity(std::string_view json);

}  // namespace smrel::adapters::teams
