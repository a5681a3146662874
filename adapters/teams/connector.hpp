#pragma once
// The Bot Connector REST calls smrel makes (reply, post, replace, open a 1:1), built as method,
// URL and body; what the connector's answers mean for the sender; and where a serviceUrl may
// point before the bot's token goes there. Pure: the service sends and reads.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/teams/address.hpp"
#include "bot/domain/delivery_outcome.hpp"

namespace smrel::adapters::teams {

struct connector_call {
  std::string method;
  std::string url;
  std::string body;
};

/// POST {serviceUrl}/v3/conversations/{conversation}/activities/{activity}
connector_call reply_call(const reply_address& to, std::string activity_json);
/// POST {serviceUrl}/v3/conversations/{conversation}/activities
connector_call post_call(const conversation_address& to, std::string activity_json);
/// PUT {serviceUrl}/v3/conversations/{conversation}/activities/{activity}: replaces the card.
connector_call update_call(const reply_address& to, std::string activity_json);
/// POST {serviceUrl}/v3/conversations opening (or finding: it is idempotent) the 1:1 with a
/// person. `bot_id` is the app id, with or without its "28:" prefix; empty leaves it out.
connector_call create_conversation_call(const contact& who, std::string_view bot_id);

/// The `id` of a ResourceResponse (the activity just sent), if any.
std::optional<std::string> resource_id(std::string_view body);
/// The `id` of a ConversationResourceResponse (the conversation just opened), if any.
std::optional<std::string> created_conversation_id(std::string_view body);

/// The reason given for a 401: the connector refused our token. The sender should drop its
/// cached token (the outcome is permanent; a fresh token for the next message will tell).
inline constexpr std::string_view unauthorized_reason = "unauthorized";

/// What an answer means (status codes per Teams' "Status codes from bot conversational APIs"):
///   2xx                sent; `landed.id` = the ResourceResponse id (its conversation is the caller's)
///   429                rate_limited after Retry-After seconds (default 2 s, at most 15 min)
///   408, 412, 5xx      retry with backoff (500 too: see connector.cpp)
///   401                permanent, reason "unauthorized[: code]"
///   other              permanent, reason = the error code from the body, else "HTTP <status>"
///   ConversationBlockedByUser, ConversationNotFound, MessageWritesBlocked → conversation_gone
///   BotNotInConversationRoster → not_in_conversation
domain::delivery_outcome classify(int status, std::string_view body, std::string_view retry_after_header);

/// May the bot's token go to this serviceUrl? Only `https` to a host on `hosts` ("host" matches
/// any port, "host:port" that port), compared without case; `http` only for loopback hosts on
/// the list. URLs with user info, odd characters or no host are refused.
bool service_url_allowed(std::string_view service_url, const std::vector<std::string>& hosts);
/// Is this an http(s) URL whose host is loopback: localhost, 127.0.0.0/8 or [::1]?
bool loopback_url(std::string_view url);

}  // namespace smrel::adapters::teams
