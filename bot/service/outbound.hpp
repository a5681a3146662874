#pragma once
// Turns what the engine wants said into outbox rows for a platform, and guards where they may go.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/domain/ids.hpp"
#include "bot/domain/message.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

/// Is `url` an http(s) URL whose host (and port) is on the allow list? Entries are "host" (the
/// scheme's default port) or "host:port". Anything else is refused: no SSRF via response_url.
bool allowed_url(std::string_view url, const std::vector<std::string>& allowed_hosts);

/// Outbox methods the Slack sender understands.
inline constexpr std::string_view slack_response_url = "response_url";
inline constexpr std::string_view slack_post_message = "chat.postMessage";
inline constexpr std::string_view slack_publish_home = "views.publish";
/// A response_url update whose body (the person's pulse as it stands) is rendered when it is sent:
/// the row stays small, and quick successive clicks all show the latest state.
inline constexpr std::string_view slack_pulse_update = "response_url.pulse";

/// A person's pulse sent by DM: the DM channel is opened with conversations.open the first time
/// (and remembered), then the pulse, rendered as it stands, goes out with chat.postMessage.
inline constexpr std::string_view slack_pulse_dm = "dm.pulse";
inline constexpr std::string_view slack_open_dm = "conversations.open";

/// Whose pulse a late-rendered message is about: the payload of both kinds above.
struct pulse_ref {
  domain::member_key who;
  std::int64_t pulse_id = 0;
};
std::optional<pulse_ref> parse_pulse_ref(std::string_view payload);

/// Pending updates of the same message coalesce into one row (`message_id`: the clicked message).
storage::outbox_message slack_pulse_update_via_response_url(std::string_view response_url, const domain::member_key& who,
                                                            std::int64_t pulse_id, std::string_view message_id,
                                                            domain::time_point now);
/// Queued once per person and pulse, however often the weekly run is repeated.
storage::outbox_message slack_pulse_by_dm(const domain::member_key& who, std::int64_t pulse_id, domain::time_point now);

storage::outbox_message slack_reply_via_response_url(std::string_view response_url, const domain::message& m,
                                                     bool replace_original, domain::time_point now);
storage::outbox_message slack_post(std::string_view channel, const domain::message& m, std::string dedupe_key,
                                   domain::time_point now);
storage::outbox_message slack_home(std::string_view user, const domain::message& m, std::string dedupe_key,
                                   domain::time_point now);

}  // namespace smrel::service
