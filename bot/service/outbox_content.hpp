#pragma once
// What an outbox row says, in neutral form: a message composed now, or a reference to something
// rendered when the row is sent (a person's pulse, a person's Home view), so a row queued
// minutes ago still shows the latest state. Each platform's plug renders it at send time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bot/domain/ids.hpp"
#include "bot/domain/message.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

/// One person's pulse, as it stands when it is sent. In a `pulse_dm` row: the weekly DM, or the
/// reminder about it; in a `replace` row: the DM that went out, shown anew (closed, at the week's
/// end) at the row's address (the plug's update_address).
struct pulse_ref {
  domain::member_key who;
  std::int64_t pulse_id = 0;
  bool weekly_dm = false;  // shown as the weekly DM, with its footer
  bool reminder = false;   // the reminder (no buttons) rather than the pulse itself
};

/// One person's Home view, as it stands when it is sent.
struct home_ref {
  domain::member_key who;
};

/// A post into a conversation, and what to tell the person who asked for it (at `notice_to`, a
/// reply address) when the bot turns out not to be a member of that conversation.
struct post_with_notice {
  domain::message message;
  std::string notice_to;
  domain::message notice;
};

/// A post nobody is waiting for (the scheduled digest): should it never land, the workspace's
/// admins are told by direct message, since nobody else would notice.
struct unattended_post {
  domain::message message;
  domain::workspace_ref workspace;
  std::string week;  // ISO label of the week it belongs to ("2026-W48")
};

/// A direct message to one person (the row's address is their user id): the direct conversation
/// is opened first when it is not known yet, as for pulse DMs.
struct direct_note {
  domain::member_key who;
  domain::message message;
};

using outbox_content =
    std::variant<domain::message, pulse_ref, home_ref, post_with_notice, unattended_post, direct_note>;

/// What every encoded content naming someone or something of `workspace` holds (a member, a
/// scheduled post's workspace): how a removed workspace's rows are found (store::drop_outbox_rows).
std::string workspace_marker(const domain::workspace_ref& workspace);

/// Stored as compact JSON; decoding refuses anything malformed (nullopt) rather than guessing.
std::string encode_content(const outbox_content& content);
std::optional<outbox_content> decode_content(std::string_view text);

/// An outbox row due now, without dedupe or coalesce keys.
storage::outbox_message make_row(domain::platform on, storage::outbox_kind kind, std::string address,
                                 const outbox_content& content, domain::time_point now);

}  // namespace smrel::service
