#pragma once
// What people do in chat, after a platform adapter has verified and translated the payload.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bot/domain/conversation.hpp"
#include "bot/domain/ids.hpp"

namespace smrel::domain {

/// A command to the bot (Slack: `/smrel <text>`; Teams: a message to the bot).
struct chat_command {
  member_key who;
  std::string text;        // the command's words, trimmed
  conversation_ref where;  // where it was typed; empty when the platform does not say
  std::string locale;      // the user's locale when the platform tells it, else empty
  /// Where the platform lets us answer the person later (Slack: the command's response URL),
  /// encoded by the adapter; empty when there is no such address.
  std::string reply_to;
};

/// A click on one of our buttons.
struct button_click {
  member_key who;
  std::string action;  // button::action
  std::string value;   // button::value, unverified
  message_ref message;  // the clicked message, to replace it; empty when unknown
  /// Where the platform lets us answer this click later (Slack: its response URL), encoded by the
  /// adapter; empty when the answer goes back in the HTTP response itself (Teams) or nowhere.
  std::string reply_to;
  std::string interaction_id;  // the platform's id of this one click, to recognise a replay; empty if none
  /// The click came from the bot's home surface (Slack's Home tab), which has no reply address:
  /// the answer is shown by publishing the home view again.
  bool from_home = false;
  /// The person belongs to another organisation (a Slack Connect external in a shared channel):
  /// the company's figures are its own people's, so their answers never count.
  bool from_elsewhere = false;
};

/// The user opened the bot's home surface (Slack App Home): its Home tab, or its Messages tab
/// (the direct conversation with the bot, where pulses arrive).
struct home_opened {
  member_key who;
  bool home_tab = true;
  conversation_ref direct;  // the user's direct conversation with the bot, when the platform says
};

/// The app was removed from a workspace (Slack: app_uninstalled, or tokens_revoked naming the
/// bot's token): nothing more can or may be sent there.
struct app_removed {
  workspace_ref workspace;
  std::string why;  // the platform's name for it, for the log
};

/// The person removed the app from their own direct conversation with the bot (Teams: uninstalled
/// in personal scope), while it stays in the workspace: the bot can no longer write to them, so
/// it does not ask them until they act again. Nothing of theirs is erased (that is `forget`).
struct person_removed_app {
  member_key who;
  std::string why;  // the platform's name for it, for the log
};

/// The person added the app to their direct conversation with the bot: it can write to them
/// again, so someone it stopped asking when they removed it is asked again.
struct person_added_app {
  member_key who;
};

/// The bot was removed from a conversation of several people (Teams: a team or a group chat),
/// which goes on without it: nothing can be posted into `conversations` any more (those the
/// platform names; for a team, its general channel). Nothing here names a person.
struct bot_left_conversation {
  workspace_ref workspace;
  std::vector<conversation_ref> conversations;
  std::string why;  // the platform's name for it, for the log
};

/// An event from the platform that the bot acts on; monostate for one it does not.
using platform_event =
    std::variant<std::monostate, home_opened, app_removed, person_removed_app, person_added_app, bot_left_conversation>;

}  // namespace smrel::domain
