#pragma once
// The product behind the commands and the buttons: platform-neutral, synchronous, over the store
// and an injected clock. The service runs it off the network threads and carries its results out.
// A facade over the parts, each in its own file: the command table (commands), clicks on answers
// (answer_desk), the weekly pulse and Home (pulses), the digest (digests), what people say about
// themselves (membership) and the status cache (status_cache), sharing bot_core.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bot/domain/clock.hpp"
#include "bot/domain/conversation.hpp"
#include "bot/domain/inbound.hpp"
#include "bot/domain/message.hpp"
#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/admin_notes.hpp"
#include "bot/engine/answer_desk.hpp"
#include "bot/engine/bot_core.hpp"
#include "bot/engine/commands.hpp"
#include "bot/engine/digests.hpp"
#include "bot/engine/demo.hpp"
#include "bot/engine/membership.hpp"
#include "bot/engine/options.hpp"
#include "bot/engine/pulses.hpp"
#include "bot/engine/replies.hpp"
#include "bot/engine/status_cache.hpp"
#include "bot/storage/store.hpp"

namespace smrel::engine {

class chat_bot {
 public:
  chat_bot(storage::store& store, const domain::pseudonymizer& pseudonyms, const domain::clock& clock, options opts);

  command_result on_command(const domain::chat_command& command) { return commands_.run(command); }

  /// Checks a click against the clicking user's own delivery, the pulse's dates and the values.
  answer_decision on_answer_click(const domain::button_click& click) { return desk_.on_answer_click(click); }
  /// The same without touching storage; nullopt when something needed is not cached yet.
  std::optional<answer_decision> on_answer_click_cached(const domain::button_click& click) {
    return desk_.on_answer_click_cached(click);
  }
  /// One person's pulse as it stands now (for the message update after their clicks).
  std::optional<domain::message> pulse_message(const domain::member_key& who, std::int64_t pulse_id, bool as_weekly_dm) {
    return pulses_.pulse_message(who, pulse_id, as_weekly_dm);
  }
  /// The same from memory only, cheap enough for the network thread; nullopt when something it
  /// needs was not read yet (then pulse_message).
  std::optional<domain::message> pulse_message_cached(const domain::member_key& who, std::int64_t pulse_id,
                                                      bool as_weekly_dm) {
    return pulses_.pulse_message_cached(who, pulse_id, as_weekly_dm);
  }
  /// A write batch was committed: what it answered shows in the pulses kept in memory. Call for
  /// every batch with answers, in commit order.
  void committed(const storage::write_batch& batch) { core_.sheets.committed(batch.answers, batch.follow_ups); }
  /// The status command's reply when it can be given without storage (the summary and the
  /// person's language are cached); null otherwise, or when the command is not `status`.
  std::shared_ptr<const domain::message> cached_status(const domain::chat_command& command) {
    return core_.statuses.cached_status(command);
  }
  /// Other buttons (the forget confirmation).
  domain::message on_click(const domain::button_click& click) { return membership_.on_click(click); }

  domain::message home_view(const domain::member_key& who) { return pulses_.home_view(who); }

  // The weekly schedule (the service decides when; see calendar).
  using pulse_recipient = engine::pulse_recipient;
  /// Does the workspace have real people (not only `smrel demo`'s)? Only then is anything sent.
  bool has_real_members(const domain::workspace_ref& workspace) { return pulses_.has_real_members(workspace); }
  /// Opens this week's pulse for everyone in the workspace who takes part; whom to send it to.
  std::vector<pulse_recipient> open_weekly_pulse(const domain::workspace_ref& workspace) {
    return pulses_.open_weekly_pulse(workspace);
  }
  /// A person's pulse to send by DM now; nullopt when there is nothing to ask any more (closed,
  /// all answered, opted out or erased).
  std::optional<domain::message> pulse_dm(const domain::member_key& who, std::int64_t pulse_id) {
    return pulses_.pulse_dm(who, pulse_id);
  }
  /// The reminder DM to send now; nullopt when there is nothing to remind of.
  std::optional<domain::message> pulse_reminder(const domain::member_key& who, std::int64_t pulse_id) {
    return pulses_.reminder(who, pulse_id);
  }
  /// The week's pulse DMs that went out, to people still asked (for reminders and the closing update).
  std::vector<sent_pulse> sent_pulse_dms(const domain::workspace_ref& workspace, scoring::iso_week week) {
    return pulses_.sent_pulse_dms(workspace, week);
  }
  /// The DM went out: remember where, so the message can be found again.
  void pulse_dm_sent(const domain::member_key& who, std::int64_t pulse_id, const domain::message_ref& sent) {
    pulses_.pulse_dm_sent(who, pulse_id, sent);
  }
  /// The platform cannot reach the person: their DM does not count as asked, nor do later pulses
  /// ask them until they act again.
  void person_unreachable(const domain::member_key& who, std::int64_t pulse_id) { pulses_.unreachable(who, pulse_id); }
  /// This week's digest for a channel, recording the nudges it issues.
  command_result weekly_digest(const domain::workspace_ref& workspace, const domain::conversation_ref& where, scoring::locale lang) {
    return digests_.weekly_digest(workspace, where, lang);
  }
  const calendar& company_calendar() const { return core_.company_calendar; }
  /// The week's scheduled digest could not be posted: what to tell each of the workspace's admins.
  std::vector<admin_note> digest_undelivered(const domain::workspace_ref& workspace,
                                             const domain::conversation_ref& where, scoring::iso_week week,
                                             const post_failure& failure) {
    return notes_.digest_undelivered(workspace, where, week, failure);
  }
  /// The platform refuses the app's direct messages: what to post where the digest goes.
  admin_notes::channel_note direct_messages_off(const domain::workspace_ref& workspace, scoring::locale lang) {
    return notes_.direct_messages_off(workspace, lang);
  }

  /// Answers changed for this workspace: cached summaries are stale.
  void invalidate(const domain::workspace_ref& workspace) { core_.statuses.invalidate(workspace); }
  /// The workspace's people changed in another process (a write decided on them was refused as
  /// stale): what is cached about them is read afresh.
  void forget_people(const domain::workspace_ref& workspace) {
    core_.found.forget_people(workspace);
    core_.sheets.clear();  // rare: a few reads more, rather than a sheet kept past an erasure
  }
  /// The app was removed from the workspace: its people are erased now, its pseudonymous answers
  /// when the retention ends (see storage::store::remove_workspace), and nothing is sent there.
  void app_removed(const domain::workspace_ref& workspace) {
    core_.store.remove_workspace(workspace, core_.clock.now());
    forget_people(workspace);
    invalidate(workspace);
  }
  /// Whether the app was removed from the workspace (and nobody joined since).
  bool removed_from(const domain::workspace_ref& workspace) {
    const auto installed = core_.store.find_installation(workspace);
    return installed && installed->removed_at;
  }
  /// Whether the platform is asked about this person at all (not `smrel demo`'s people).
  static bool looked_up_at_platform(const domain::member_key& who) { return !is_demo_member(who); }
  /// What the platform says of a member, looked up: a deactivated person is not asked from now
  /// on; what else it means, and what to tell them by DM if anything, is membership::looked_up's.
  std::optional<domain::message> person_looked_up(const domain::member_key& who, const domain::person_facts& facts) {
    if (facts.deactivated && looked_up_at_platform(who)) pulses_.unreachable_from_now(who);
    return membership_.looked_up(who, facts);
  }
  /// The person removed the app from their direct conversation with the bot: it is not used, and
  /// they are not asked, until they act again (see pulses::removed_app).
  void person_removed_app(const domain::member_key& who) { pulses_.removed_app(who); }
  /// The person added the app again: reachable again if it had stopped asking them. True then.
  bool person_added_app(const domain::member_key& who) { return pulses_.added_app(who); }
  /// The bot was removed from these conversations: true when the digest target is one of them.
  /// The target is kept: the next digest there fails, and every admin is told by DM what to do
  /// (admin_notes::digest_undelivered). Cleared, the digest would stop without a word.
  bool bot_left(const domain::workspace_ref& workspace, const std::vector<domain::conversation_ref>& conversations) {
    return digests_.target_among(workspace, conversations);
  }
  /// What is cached about one person is read afresh next time.
  void forget_person(const domain::member_key& who) { core_.found.forget_member(who); }

  /// How much the per-workspace and per-person caches hold; each stays under its bound however
  /// many workspaces and people signed requests name.
  using cache_sizes = engine::cache_sizes;
  cache_sizes cached() const { return core_.statuses.sizes(); }
  static constexpr std::size_t max_cached_summaries = status_cache::max_summaries;
  static constexpr std::size_t max_cached_versions = status_cache::max_versions;
  static constexpr std::size_t max_cached_locales = status_cache::max_locales;

 private:
  bot_core core_;
  pulses pulses_;
  digests digests_;
  membership membership_;
  answer_desk desk_;
  command_table commands_;
  admin_notes notes_;
};

}  // namespace smrel::engine
