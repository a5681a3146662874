#pragma once
// What running a command produces: the reply to the person, and messages to post elsewhere.
#include <string>
#include <vector>

#include "bot/domain/conversation.hpp"
#include "bot/domain/ids.hpp"
#include "bot/domain/message.hpp"
#include "scoring/nudges.hpp"

namespace smrel::engine {

/// A message to post somewhere other than the reply, e.g. the digest into a channel.
struct channel_post {
  domain::workspace_ref workspace;
  domain::conversation_ref where;
  domain::message message;
  std::string dedupe_key;
  /// What to tell the person who asked for the post should the bot not be in `where`.
  std::optional<domain::message> if_bot_absent;
};

struct command_result {
  domain::message reply;
  std::vector<channel_post> posts;
  std::vector<scoring::chosen_nudge> issued;  // nudges a posted digest issued
};

/// A reply and nothing else.
inline command_result reply_only(domain::message reply) { return {std::move(reply), {}, {}}; }

}  // namespace smrel::engine
