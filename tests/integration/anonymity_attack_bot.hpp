#pragma once
// The anonymity attacks through the bot (anonymity_attack.hpp): a Slack harness whose company
// answers pulses, joins, moves and forgets week by week, and reads of everything it published.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/engine/export.hpp"
#include "bot/engine/summary.hpp"
#include "bot/engine/views.hpp"
#include "scoring/disclosure.hpp"
#include "tests/integration/anonymity_attack.hpp"
#include "tests/support/disclosure_attack.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel::attack {

using json = nlohmann::json;
using scoring::iso_week;
using testing::slack_harness;

inline const domain::workspace_ref team{domain::platform::slack, testing::test_team};
inline const iso_week w10 = *iso_week::parse("2026-W10");

// Monday 2 March 2026 10:00 UTC, the start of 2026-W10 (the harness's company time zone is UTC).
inline slack_harness::setup starting_in_w10() {
  return [](config::settings& settings, service::server_options&, testing::offset_clock& clock) {
    EXPECT_EQ(settings.survey.min_group_size, bot_min_group_size);
    clock.set(domain::time_point{std::chrono::sys_days{w10.monday()} + std::chrono::hours{10}});
  };
}

inline json reply_json(const testing::test_response& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

inline std::string digest(slack_harness& h) { return reply_json(h.command("UADMIN", "digest preview"))["text"].get<std::string>(); }
inline std::string status(slack_harness& h) { return reply_json(h.command("UADMIN", "status"))["text"].get<std::string>(); }

// Tuesday 10:00 of the next week: this week's pulse has closed (at midnight after its seventh
// day). A status read then lets the server release it, as the first reader would.
inline void next_week(slack_harness& h) {
  const auto week = iso_week::containing(h.clock().now()) + 1;
  h.clock().set(domain::time_point{std::chrono::sys_days{week.monday()} + std::chrono::days{1} + std::chrono::hours{10}});
  status(h);
}

// The person joins `team_name` and answers every statement of this week's pulse with `value`.
inline void answer_pulse(slack_harness& h, const std::string& user, const std::string& team_name, int value) {
  reply_json(h.command(user, "join " + team_name));
  int answered = 0;
  for (const auto& [action, button] : testing::buttons_of(reply_json(h.command(user, "pulse")))) {
    const auto parsed = engine::parse_answer_button(button);
    if (!parsed || parsed->follow_up != 0 || parsed->value != value) continue;
    EXPECT_EQ(h.click(user, action, button).status, 200);
    ++answered;
  }
  EXPECT_EQ(answered, scoring::statements_per_pulse) << user;
}

inline void forget(slack_harness& h, const std::string& user) {
  const auto buttons = testing::buttons_of(reply_json(h.command(user, "forget")));
  ASSERT_EQ(buttons.size(), 2U);
  ASSERT_EQ(buttons[0].first.rfind(engine::forget_action, 0), 0U) << buttons[0].first;
  ASSERT_EQ(h.click(user, buttons[0].first, buttons[0].second).status, 200);
  ASSERT_FALSE(h.store().find_member({team, user})) << user << " was not erased";
}

// `smrel export` of the harness's workspace, as of the harness's clock. Read after the server
// released the weeks (any status or digest does), so it only reads.
inline std::string weekly_export(slack_harness& h) {
  const domain::pseudonymizer pseudonyms(h.settings().pseudonym_key);
  const engine::calendar company_calendar(h.settings().survey);
  engine::release_ledger ledger(h.store(), pseudonyms, company_calendar, h.settings().survey);
  std::ostringstream out;
  engine::export_weekly_csv(ledger, team, h.clock().now(), out);
  return out.str();
}

inline std::vector<testing::export_row> export_rows_of(const std::string& csv, iso_week week) {
  std::vector<testing::export_row> out;
  for (auto& row : testing::parse_weekly_export(csv)) {
    if (row.week == week.to_string()) out.push_back(std::move(row));
  }
  return out;
}

inline std::optional<testing::stored_release> release_of(slack_harness& h, iso_week week) {
  for (auto& r : testing::stored_releases(h.store(), team)) {
    if (r.week == week) return std::move(r);
  }
  return std::nullopt;
}

// What the bot would publish for `week` from the answers now, with combinations withheld and
// rounded but without release control: what an attacker would see if weeks were recomputed.
inline scoring::report uncontrolled_release(slack_harness& h, iso_week week) {
  const auto options = engine::scoring_options_from(h.settings().survey, week);
  // One report's combinations and rounding, but nothing across weeks (build_published_report
  // would hold back trend points that differ by a few people).
  auto r = scoring::build_report(engine::load_survey(h.store(), team, options), options);
  scoring::withhold_combinations(r);
  scoring::round_for_publication(r);
  return r;
}

// A held-back week publishes no figure at all: only the company's head count.
inline void expect_held_back(const scoring::report& r) {
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.why, scoring::withheld::too_few_changed);
  for (const auto g : scoring::all_groups) EXPECT_FALSE(r.group_score(g).shown) << scoring::group_id(g);
  for (const auto& d : r.dimensions) {
    EXPECT_FALSE(d.mean.shown || d.sales.shown || d.marketing.shown) << scoring::dimension_id(d.dim);
  }
}

inline void expect_export_held_back(const std::string& csv, iso_week week) {
  const auto rows = export_rows_of(csv, week);
  ASSERT_EQ(rows.size(), 5 + 3 * scoring::dimension_count) << csv;
  for (const auto& row : rows) EXPECT_FALSE(row.shown) << row.line;
  EXPECT_EQ(rows.front().withheld, change_reason) << rows.front().line;
}

inline void expect_no_small_differences(slack_harness& h) {
  const auto found = testing::small_differences(testing::stored_releases(h.store(), team), bot_min_group_size);
  EXPECT_TRUE(found.empty()) << testing::joined(found);
}

}  // namespace smrel::attack
