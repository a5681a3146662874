#pragma once
// The product behind `/smrel` and the buttons: platform-neutral, synchronous, over the store and
// an injected clock. The service runs it off the network threads and carries its results out.
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/domain/clock.hpp"
#include "bot/domain/inbound.hpp"
#include "bot/domain/message.hpp"
#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/engine/lookups.hpp"
#include "bot/engine/releases.hpp"
#include "bot/engine/summary.hpp"
#include "bot/engine/views.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::engine {

/// A message to post somewhere other than the reply, e.g. the digest into a channel.
struct channel_post {
  domain::workspace_ref workspace;
  domain::conversation_ref where;
  domain::message message;
  std::string dedupe_key;
};

struct command_result {
  domain::message reply;
  std::vector<channel_post> posts;
  std::vector<scoring::chosen_nudge> issued;  // nudges a posted digest issued
};

/// What to do with a click on an answer button: commit `answer` or `follow_up` (and later show
/// the updated pulse), or, with neither, tell the user `refusal`.
struct answer_decision {
  std::optional<storage::new_answer> answer;
  std::optional<storage::follow_up_answer> follow_up;
  std::int64_t pulse_id = 0;  // the pulse answered, to show it again
  domain::message refusal;

  bool accepted() const { return answer || follow_up; }
};

class chat_bot {
 public:
  chat_bot(storage::store& store, const domain::pseudonymizer& pseudonyms, const domain::clock& clock,
           config::settings settings);

  command_result on_command(const domain::chat_command& command);

  /// Checks a click against the clicking user's own delivery, the pulse's dates and the values.
  answer_decision on_answer_click(const domain::button_click& click);
  /// The same without touching storage; nullopt when something needed is not cached yet.
  std::optional<answer_decision> on_answer_click_cached(const domain::button_click& click);
  /// One person's pulse as it stands now (for the message update after their clicks).
  std::optional<domain::message> pulse_message(const domain::member_key& who, std::int64_t pulse_id);
  /// The `/smrel status` reply when it can be given without storage (the summary and the
  /// person's language are cached); null otherwise, or when the command is not `status`.
  std::shared_ptr<const domain::message> cached_status(const domain::chat_command& command);
  /// Other buttons (the forget confirmation).
  domain::message on_click(const domain::button_click& click);

  domain::message home_view(const domain::member_key& who);

  // The weekly schedule (the service decides when; see calendar).
  struct pulse_recipient {
    domain::member_key who;
    std::int64_t pulse_id = 0;
  };
  /// Does the workspace have real people (not only `smrel demo`'s)? Only then is anything sent.
  bool has_real_members(const domain::workspace_ref& workspace);
  /// Opens this week's pulse for everyone in the workspace who takes part; whom to send it to.
  std::vector<pulse_recipient> open_weekly_pulse(const domain::workspace_ref& workspace);
  /// A person's pulse to send by DM now; nullopt when there is nothing to ask any more (closed,
  /// all answered, opted out or erased).
  std::optional<domain::message> pulse_dm(const domain::member_key& who, std::int64_t pulse_id);
  /// The DM went out: remember where, so the message can be found again.
  void pulse_dm_sent(const domain::member_key& who, std::int64_t pulse_id, const domain::message_ref& sent);
  /// This week's digest for a channel, recording the nudges it issues.
  command_result weekly_digest(const domain::workspace_ref& workspace, const domain::conversation_ref& where, scoring::locale lang);
  const calendar& company_calendar() const { return calendar_; }

  /// Answers changed for this workspace: cached summaries are stale.
  void invalidate(const domain::workspace_ref& workspace);

  /// How much the per-workspace and per-person caches hold; each stays under its bound however
  /// many workspaces and people signed requests name.
  struct cache_sizes {
    std::size_t summaries = 0;
    std::size_t versions = 0;
    std::size_t locales = 0;
  };
  cache_sizes cached() const;
  static constexpr std::size_t max_cached_summaries = 1'024;
  static constexpr std::size_t max_cached_versions = 100'000;
  static constexpr std::size_t max_cached_locales = 200'000;

 private:
  scoring::locale locale_of(const domain::member_key& who, std::string_view platform_locale = {});
  struct click_facts {
    std::optional<storage::pulse> pulse;
    std::optional<storage::member> member;
    std::optional<storage::delivery> delivery;
    std::optional<storage::issued_nudge> nudge;  // for a follow-up
  };
  answer_decision decide(const domain::button_click& click, scoring::locale lang, const click_facts& facts);
  /// The status view for a locale, built once per summary.
  std::shared_ptr<const domain::message> status_message(const domain::workspace_ref& workspace, scoring::locale lang);
  bool is_admin(const domain::member_key& who) const;
  std::shared_ptr<const summary> current_summary(const domain::workspace_ref& workspace);
  /// This week's pulse of the workspace, opened on first use.
  storage::pulse this_weeks_pulse(const domain::workspace_ref& workspace);
  /// The member's statements in the pulse, recorded on first use.
  storage::delivery deliver(const storage::pulse& pulse, const storage::member& m);
  /// This week's pulse and the member's delivery, opening either on demand.
  pulse_state open_pulse_for(const storage::member& m);
  /// The follow-ups a workspace asks in a week's pulse (nudges issued follow_up_delay_weeks ago).
  std::vector<storage::issued_nudge> follow_ups_asked(const domain::workspace_ref& workspace, scoring::iso_week week);
  std::vector<follow_up_item> follow_up_items(const domain::workspace_ref& workspace, scoring::iso_week week,
                                              const std::string& pseudonym);
  /// A member's pulse as it stands, if it was delivered to them.
  std::optional<std::pair<storage::member, pulse_state>> pulse_state_of(const domain::member_key& who, std::int64_t pulse_id);

  domain::message status_reply(const domain::member_key& who, scoring::locale lang);
  domain::message pulse_reply(const domain::member_key& who, scoring::locale lang);
  /// When the weekly pulse arrives, in the user's language.
  std::string schedule_sentence(scoring::locale lang) const;
  domain::message join_reply(const domain::member_key& who, std::string_view team, scoring::locale lang);
  command_result digest_reply(const domain::chat_command& command, std::string_view mode, scoring::locale lang);
  domain::message forget_prompt(scoring::locale lang);

  storage::store& store_;
  const domain::pseudonymizer& pseudonyms_;
  const domain::clock& clock_;
  const config::settings settings_;
  const calendar calendar_;
  release_ledger ledger_;

  // Summaries per workspace for the current week, rebuilt after invalidate() or a new week.
  struct cached_summary {
    scoring::iso_week week;
    scoring::iso_week closed;  // the last released week it shows
    std::uint64_t version = 0;
    std::shared_ptr<const summary> value;
    std::array<std::shared_ptr<const domain::message>, 2> status_views;  // by locale
  };
  /// The workspace's summary version; call with cache_mutex_ held.
  std::uint64_t version_of(const std::string& key) const;
  mutable std::mutex cache_mutex_;
  std::map<std::string, cached_summary> cache_;
  // Versions come from one counter, and a workspace without an entry is at `version_floor_`, the
  // counter's value when the map was last cleared for size: a summary built from before the
  // clear can then never pass for current, so the map may be cleared at any time.
  std::map<std::string, std::uint64_t> versions_;
  std::uint64_t last_version_ = 0;
  std::uint64_t version_floor_ = 0;
  std::map<std::string, scoring::locale> known_locales_;  // by member, for the status hot path
  lookups lookups_;
};

}  // namespace smrel::engine
