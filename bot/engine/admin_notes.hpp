#pragma once
// What a workspace's admins are told in a direct message when something needs them and nobody
// asked: a scheduled digest that could not be posted, an app whose messages are switched off.
// Replies to an admin's own command say the same things in place; these are for the unattended
// paths, which otherwise end in a log line nobody reads.
#include <string>
#include <vector>

#include "bot/domain/conversation.hpp"
#include "bot/domain/ids.hpp"
#include "bot/domain/message.hpp"
#include "bot/engine/bot_core.hpp"
#include "scoring/iso_week.hpp"

namespace smrel::engine {

/// One direct message to one admin. The key makes a trouble reported by several senders or
/// replicas reach each admin once.
struct admin_note {
  domain::member_key to;
  domain::message message;
  std::string dedupe_key;
};

/// Why a post did not land, as far as the admins can act on it.
struct post_failure {
  bool bot_absent = false;  // the bot is not in the conversation: someone must invite it
  std::string reason;       // the platform's word for it, shown as it came
};

class admin_notes {
 public:
  explicit admin_notes(bot_core& core) : core_(core) {}

  /// Whom to tell about a workspace: its installation's admins, then the global ones (each once).

  /// The week's scheduled digest could not be posted in `where`.
  std::vector<admin_note> digest_undelivered(const domain::workspace_ref& workspace,
                                             const domain::conversation_ref& where, scoring::iso_week week,
                                             const post_failure& failure);

  /// The platform refuses the app's direct messages (an app setting): no DM reaches anyone, the
  /// admins included, so this is posted where the digest goes, once a week at most.
  struct channel_note {
    domain::message message;
    std::string dedupe_key;
  };
  channel_note direct_messages_off(const domain::workspace_ref& workspace, scoring::locale lang);

 private:
  bot_core& core_;
};

}  // namespace smrel::engine
