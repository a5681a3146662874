#pragma once
// The weekly digest: posted into a channel on schedule or on an admin's word, previewed by the
// digest command. Posting one issues its nudges, whose follow-ups later pulses ask.
#include <string_view>
#include <vector>

#include "bot/domain/conversation.hpp"
#include "bot/domain/inbound.hpp"
#include "bot/engine/bot_core.hpp"
#include "bot/engine/replies.hpp"

namespace smrel::engine {

class digests {
 public:
  explicit digests(bot_core& core) : core_(core) {}

  /// This week's digest for a conversation, recording the nudges it issues.
  command_result weekly_digest(const domain::workspace_ref& workspace, const domain::conversation_ref& where, scoring::locale lang);
  /// The digest command: `preview` (the default) shows it to the admin alone, `here` posts it
  /// where the command was typed.
  command_result digest_command(const domain::chat_command& command, std::string_view mode, scoring::locale lang);
  /// Whether the workspace's digest target is one of these conversations.
  bool target_among(const domain::workspace_ref& workspace,
                    const std::vector<domain::conversation_ref>& conversations) const;

 private:
  /// "digest here": the digest goes to the conversation the command came from.
  command_result post_here(const domain::chat_command& command, scoring::locale lang);

  bot_core& core_;
};

}  // namespace smrel::engine
