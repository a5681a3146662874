#pragma once
// What a platform's answer to one outbound call means for the sender, in neutral form: each
// adapter classifies its platform's answers into this, and the outbox acts on it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bot/domain/conversation.hpp"

namespace smrel::domain {

enum class delivery_verdict : std::uint8_t {
  sent,          // done
  rate_limited,  // the platform asked us to slow down: wait `retry_after`, without counting an attempt
  retry,         // a transient failure (5xx, network): try again after a backoff
  permanent,     // will never succeed (bad request, gone): dead-letter it with the reason
};

/// Why a send failed, when the reason is one the core acts on (beyond retrying or giving up).
enum class delivery_problem : std::uint8_t {
  none,
  conversation_gone,    // a remembered direct conversation no longer exists: forget it
  not_in_conversation,  // the bot is not a member of the target channel: someone must invite it
  person_unreachable,   // the person does not exist for the platform or is deactivated: stop asking
  direct_messages_off,  // the app may not send direct messages at all (an app setting): hold them
  credentials_refused,  // the platform refuses the bot's credentials: hold every send until they work
};

struct delivery_outcome {
  delivery_verdict verdict = delivery_verdict::retry;
  std::optional<std::chrono::seconds> retry_after;  // for rate_limited
  std::string reason;                               // the platform's error code or the HTTP status
  delivery_problem problem = delivery_problem::none;
  message_ref landed;  // a post that was sent: where it landed (empty when the platform did not say)
};

}  // namespace smrel::domain
