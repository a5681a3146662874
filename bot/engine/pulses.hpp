#pragma once
// The weekly pulse: opening it for a workspace, each person's statements (delivered once, kept),
// the pulse as one person sees it (the pulse command, the DM, the message after a click), and the
// Home view that shows it under the status.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bot/domain/conversation.hpp"
#include "bot/domain/message.hpp"
#include "bot/engine/bot_core.hpp"
#include "bot/engine/views.hpp"

namespace smrel::engine {

/// Someone the weekly pulse goes to.
struct pulse_recipient {
  domain::member_key who;
  std::int64_t pulse_id = 0;
};

/// A pulse DM that went out, and where it landed.
struct sent_pulse {
  domain::member_key who;
  std::int64_t pulse_id = 0;
  domain::message_ref message;
};

class pulses {
 public:
  explicit pulses(bot_core& core) : core_(core) {}

  /// The pulse command: the person's pulse for this week, opened on demand.
  domain::message pulse_reply(const domain::member_key& who, scoring::locale lang);
  /// One person's pulse as it stands now; nullopt when it was never delivered to them. As their
  /// weekly DM (`as_weekly_dm`), it keeps the DM's footer after their clicks.
  std::optional<domain::message> pulse_message(const domain::member_key& who, std::int64_t pulse_id, bool as_weekly_dm);
  /// The same from memory only (members, pulses, deliveries and sheets already read): nullopt
  /// when something is not there, and then pulse_message reads it.
  std::optional<domain::message> pulse_message_cached(const domain::member_key& who, std::int64_t pulse_id,
                                                      bool as_weekly_dm);

  /// Does the workspace have real people (not only `smrel demo`'s)? Only then is anything sent.
  bool has_real_members(const domain::workspace_ref& workspace);
  /// Opens this week's pulse for everyone in the workspace who takes part; whom to send it to.
  std::vector<pulse_recipient> open_weekly_pulse(const domain::workspace_ref& workspace);
  /// A person's pulse to send by DM now; nullopt when there is nothing to ask any more.
  std::optional<domain::message> pulse_dm(const domain::member_key& who, std::int64_t pulse_id);
  /// The DM went out: remember where, so the message can be found again.
  void pulse_dm_sent(const domain::member_key& who, std::int64_t pulse_id, const domain::message_ref& sent);
  /// The reminder to send now (a short DM, no buttons); nullopt when there is nothing to remind
  /// of (answered, closed, opted out, unreachable).
  std::optional<domain::message> reminder(const domain::member_key& who, std::int64_t pulse_id);
  /// The week's pulse DMs that went out, to people still asked: whom a reminder concerns, and
  /// which messages the closing update shows closed.
  std::vector<sent_pulse> sent_pulse_dms(const domain::workspace_ref& workspace, scoring::iso_week week);
  /// The platform cannot reach the person (deactivated, gone): their DM of `pulse_id` does not
  /// count as asked, and no later pulse asks them until they act again.
  void unreachable(const domain::member_key& who, std::int64_t pulse_id);
  /// The same, learnt outside any one DM (a look-up, an uninstall): this week's DM, if it went
  /// out, stops counting as asked.
  void unreachable_from_now(const domain::member_key& who);
  /// The person removed the app from their direct conversation with the bot: that conversation is
  /// forgotten and they are unreachable, from this week's pulse on, until they act again.
  void removed_app(const domain::member_key& who);
  /// The person added the app again: a member it stopped asking is reachable again (asked from
  /// the next pulse on). True when they were unreachable.
  bool added_app(const domain::member_key& who);

  /// The person's pseudonym, kept once worked out: an HMAC per click otherwise (twice for a
  /// Teams click answered with its card), and it never changes for a member key.
  std::string pseudonym(const domain::member_key& who);

  /// The status, then the person's pulse (or how to get one).
  domain::message home_view(const domain::member_key& who);

  /// The follow-ups a workspace asks in a week's pulse (nudges issued follow_up_delay_weeks ago),
  /// each nudge once.
  std::vector<storage::issued_nudge> follow_ups_asked(const domain::workspace_ref& workspace, scoring::iso_week week);
  /// The same from memory only; nullopt when not read yet.
  std::optional<std::vector<storage::issued_nudge>> cached_follow_ups_asked(const domain::workspace_ref& workspace,
                                                                            scoring::iso_week week);

 private:
  /// This week's pulse of the workspace, opened on first use.
  storage::pulse this_weeks_pulse(const domain::workspace_ref& workspace);
  /// The last minute the pulse takes answers, in words and as an instant.
  domain::moment closing_moment(const storage::pulse& pulse, scoring::locale lang) const;
  /// The same while the pulse is open; none once it closed.
  std::optional<domain::moment> open_until(const pulse_state& state, scoring::locale lang) const;
  /// The member's statements in the pulse, recorded on first use.
  storage::delivery deliver(const storage::pulse& pulse, const storage::member& m);
  /// This week's pulse and the member's delivery, opening either on demand.
  pulse_state open_pulse_for(const storage::member& m);
  /// The person's answers and follow-ups in the state's pulse: from their sheet, else read (and kept).
  void fill_answers(pulse_state& state, const std::string& pseudonym);
  /// A member's pulse as it stands, if it was delivered to them.
  std::optional<std::pair<storage::member, pulse_state>> pulse_state_of(const domain::member_key& who, std::int64_t pulse_id);

  bot_core& core_;
  // Bounded: past this many a fresh map starts, like lookups'.
  static constexpr std::size_t max_pseudonyms = 200'000;
  std::mutex pseudonyms_mutex_;
  std::unordered_map<std::string, std::string> pseudonyms_;
};

}  // namespace smrel::engine
