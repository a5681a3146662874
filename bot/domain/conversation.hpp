#pragma once
// Where messages go, in neutral form. A platform's adapter encodes the address (a Slack channel
// id; a Teams serviceUrl, conversation id and tenant) and is the only code that reads it: the
// engine, storage and the outbox keep it, compare it and hand it back, nothing more.
#include <string>

#include "bot/domain/ids.hpp"

namespace smrel::domain {

/// A conversation a message can be posted into: a channel, a group chat or a direct conversation.
struct conversation_ref {
  platform on = platform::slack;
  std::string address;  // adapter-encoded, opaque elsewhere

  bool empty() const { return address.empty(); }
  bool operator==(const conversation_ref&) const = default;
};

/// One message in a conversation, so it can be replaced later (Slack: its ts; Teams: the
/// activity id).
struct message_ref {
  conversation_ref conversation;
  std::string id;

  bool empty() const { return id.empty(); }
  bool operator==(const message_ref&) const = default;
};

}  // namespace smrel::domain
