#pragma once
// Outbox rows queued before rows were neutral (schema 10) named Slack's Web API method and
// target; the migration kept both, as JSON, in the row's address. Only Slack's plug reads them.
#include <optional>
#include <string>
#include <string_view>

#include "bot/storage/store.hpp"

namespace smrel::service {

// What those rows named their kinds: a reply by response URL, and the two late-rendered kinds.
inline constexpr std::string_view legacy_response_url = "response_url";
inline constexpr std::string_view legacy_pulse_update = "response_url.pulse";
inline constexpr std::string_view legacy_pulse_dm = "dm.pulse";

struct legacy_address {
  std::string method;  // a Web API method, or one of the names above
  std::string target;  // a channel, a user, or a response URL
};
std::optional<legacy_address> parse_legacy_address(std::string_view address);

/// The neutral row a late-rendered legacy row stands for (same id and claim); nullopt for the
/// others, which are sent as stored.
std::optional<storage::outbox_message> modernise_legacy_row(const storage::outbox_message& verbatim);

}  // namespace smrel::service
