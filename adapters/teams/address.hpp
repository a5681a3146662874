#pragma once
// The opaque Teams addresses the core stores and hands back (conversation_ref::address,
// message_ref ids, reply_to): a serviceUrl, a tenant and a conversation, optionally one activity
// in it, or a person to open a 1:1 conversation with. Each kind is encoded with its own tag, so
// one kind never decodes as another.
#include <optional>
#include <string>
#include <string_view>

namespace smrel::adapters::teams {

/// A conversation messages can be posted into (personal, group chat or channel thread).
struct conversation_address {
  std::string service_url;
  std::string tenant;  // may be empty (local mode without a tenant)
  std::string conversation;
  bool operator==(const conversation_address&) const = default;
};

/// One activity in a conversation: to reply to it or replace it.
struct reply_address {
  conversation_address conversation;
  std::string activity_id;
  bool operator==(const reply_address&) const = default;
};

/// A person we may open a 1:1 conversation with (`user` is their "29:" id).
struct contact {
  std::string service_url;
  std::string tenant;  // may be empty (local mode); create-conversation needs it in a real tenant
  std::string user;
  bool operator==(const contact&) const = default;
};

/// Where the answer to something said in a channel or group chat goes: into its thread when the
/// whole conversation may see it, else to the person alone, in their 1:1 chat (Teams has no
/// message only one member of a channel sees).
struct private_reply {
  reply_address thread;
  std::string user;  // the person's "29:" id; the thread's serviceUrl and tenant reach them too
  contact person() const { return {thread.conversation.service_url, thread.conversation.tenant, user}; }
  bool operator==(const private_reply&) const = default;
};

/// A person's 1:1 chat with the bot, with who they are: should the chat be gone (they blocked the
/// bot), the contact is what is kept, so a later pulse can open it again.
struct direct_chat {
  contact person;
  std::string conversation;  // the "a:" id
  conversation_address chat() const { return {person.service_url, person.tenant, conversation}; }
  bool operator==(const direct_chat&) const = default;
};

/// Encodings are "<tag>\n<field>\n<field>…". Encoding a field that holds '\n', or an empty
/// required field, gives "" (which every decoder refuses), so a stored address always decodes.
std::string encode(const conversation_address& a);
std::optional<conversation_address> decode_conversation(std::string_view encoded);
std::string encode(const reply_address& a);
std::optional<reply_address> decode_reply(std::string_view encoded);
std::string encode(const contact& c);
std::optional<contact> decode_contact(std::string_view encoded);
std::string encode(const direct_chat& d);
std::optional<direct_chat> decode_direct_chat(std::string_view encoded);
std::string encode(const private_reply& r);
std::optional<private_reply> decode_private_reply(std::string_view encoded);

}  // namespace smrel::adapters::teams
