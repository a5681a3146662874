// Attacks on statistical disclosure control, end to end, the way a statistician with a calculator
// would: subtract published figures from each other — within one report, across weeks, around a
// forget or a join — and try to learn about fewer than min_group_size people. Each attack is
// shown to work on figures published without the control (so each test can fail), then shown to
// recover nothing closer than the published rounding allows from what smrel really publishes.
//
// This file: through the bot, releases over the weeks (forget, join, follow-ups). One report from
// `smrel score` and the demo company through `smrel export` are in anonymity_attack_report_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/anonymity_attack_bot.hpp"

namespace smrel {
namespace {

using namespace attack;
using scoring::group;

// ─── 2. Forget ─────────────────────────────────────────────────────────────────────────────────

TEST(anonymity_attack_bot, forget_changes_no_published_week_and_the_next_week_is_held_back) {
  slack_harness h(starting_in_w10());
  // Sales answers 4 or 5 except US0, who answers 1: whether US0 still counts moves Sales' score.
  const std::array sales{1, 4, 5, 4, 5, 4};
  const std::array marketing{2, 3, 2, 1, 2, 3};
  for (std::size_t i = 0; i < sales.size(); ++i) answer_pulse(h, "US" + std::to_string(i), "sales", sales[i]);
  for (std::size_t i = 0; i < marketing.size(); ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", marketing[i]);
  EXPECT_NE(digest(h).find("No results yet"), std::string::npos);  // the pulse is open

  next_week(h);  // W11: W10 is released
  const auto digest_w10 = digest(h);
  const auto status_w10 = status(h);
  const auto export_w10 = weekly_export(h);
  const auto w10_release = release_of(h, w10);
  ASSERT_TRUE(w10_release);
  const auto& published_w10 = w10_release->published.report;
  ASSERT_TRUE(published_w10.score.shown);
  ASSERT_TRUE(published_w10.group_score(group::sales).shown);
  EXPECT_NE(digest_w10.find("Sales " + std::to_string(std::lround(published_w10.group_score(group::sales).value))),
            std::string::npos) << digest_w10;

  forget(h, "US0");
  EXPECT_EQ(h.store().answer_count(), 11U * scoring::statements_per_pulse);
  // The attack: read everything again and subtract. W10 is frozen, byte for byte.
  EXPECT_EQ(release_of(h, w10)->figures, w10_release->figures);
  EXPECT_EQ(weekly_export(h), export_w10);
  EXPECT_EQ(testing::published_numbers(digest(h)), testing::published_numbers(digest_w10)) << digest(h);
  EXPECT_EQ(testing::published_numbers(status(h)), testing::published_numbers(status_w10)) << status(h);

  // Recomputed, W10 would now differ from what was published by US0 alone, and visibly; so would
  // W11 without release control.
  ASSERT_NE(uncontrolled_release(h, w10).group_score(group::sales).value, published_w10.group_score(group::sales).value);
  const auto recomputed = uncontrolled_release(h, w10 + 1);
  ASSERT_TRUE(recomputed.score.shown && recomputed.group_score(group::sales).shown);
  ASSERT_NE(recomputed.group_score(group::sales).value, published_w10.group_score(group::sales).value);

  next_week(h);  // W12: W11 is released, and nobody answered in W11: only the erasure differs
  const auto w11_release = release_of(h, w10 + 1);
  ASSERT_TRUE(w11_release);
  expect_held_back(w11_release->published.report);
  expect_export_held_back(weekly_export(h), w10 + 1);
  EXPECT_EQ(testing::published_numbers(digest(h)), testing::published_numbers(digest_w10)) << digest(h);
  EXPECT_EQ(testing::published_numbers(status(h)), testing::published_numbers(status_w10)) << status(h);

  // W12: six people answer anew; with the erasure seven differ from W10, and figures come back.
  for (int i = 1; i <= 3; ++i) answer_pulse(h, "US" + std::to_string(i), "sales", 3);
  for (int i = 0; i < 3; ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", 4);
  next_week(h);  // W13: W12 is released
  const auto w12_release = release_of(h, w10 + 2);
  ASSERT_TRUE(w12_release);
  EXPECT_TRUE(w12_release->published.report.score.shown);
  EXPECT_NE(status(h).find("16–22 March 2026"), std::string::npos) << status(h);  // 2026-W12
  expect_no_small_differences(h);
}

// ─── 3. Join ───────────────────────────────────────────────────────────────────────────────────

TEST(anonymity_attack_bot, one_joiner_or_one_mover_never_makes_a_new_figure) {
  slack_harness h(starting_in_w10());
  const std::array sales{4, 5, 4, 5, 3, 4};
  const std::array marketing{2, 3, 2, 1, 2, 3};
  for (std::size_t i = 0; i < sales.size(); ++i) answer_pulse(h, "US" + std::to_string(i), "sales", sales[i]);
  for (std::size_t i = 0; i < marketing.size(); ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", marketing[i]);
  next_week(h);  // W11: W10 is released
  const auto digest_w10 = digest(h);
  const auto w10_release = release_of(h, w10);
  ASSERT_TRUE(w10_release && w10_release->published.report.group_score(group::sales).shown);

  // W11: a new person joins Sales and answers 1 throughout; nobody else answers.
  answer_pulse(h, "UNEW", "sales", 1);
  const auto recomputed = uncontrolled_release(h, w10 + 1);
  ASSERT_TRUE(recomputed.group_score(group::sales).shown);
  ASSERT_NE(recomputed.group_score(group::sales).value, w10_release->published.report.group_score(group::sales).value)
      << "without release control the joiner's answers would show in Sales' score";
  next_week(h);  // W12: W11 is released
  expect_held_back(release_of(h, w10 + 1)->published.report);
  expect_export_held_back(weekly_export(h), w10 + 1);
  EXPECT_EQ(testing::published_numbers(digest(h)), testing::published_numbers(digest_w10)) << digest(h);

  // W12: US5 moves to Marketing, answering nothing: with the joiner, two people differ from W10.
  reply_json(h.command("US5", "join marketing"));
  next_week(h);  // W13: W12 is released
  expect_held_back(release_of(h, w10 + 2)->published.report);
  EXPECT_EQ(testing::published_numbers(digest(h)), testing::published_numbers(digest_w10)) << digest(h);

  // W13: three in Marketing answer anew. Five people differ from W10: the company's score comes
  // back, but not Sales', where only the joiner and the mover changed.
  for (int i = 0; i < 3; ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", 5);
  next_week(h);  // W14: W13 is released
  const auto w13 = release_of(h, w10 + 3);
  ASSERT_TRUE(w13);
  EXPECT_TRUE(w13->published.report.score.shown);
  EXPECT_FALSE(w13->published.report.group_score(group::sales).shown);
  expect_no_small_differences(h);
}

// A member whose pulse in `week` asks `block`. Members made on the way are bystanders who never
// answer: they only move the member ids on, which pick each person's statements.
std::string member_asked(slack_harness& h, int& next_user, iso_week week, const scoring::pulse_block& block) {
  for (;;) {
    const auto user = "UP" + std::to_string(next_user++);
    reply_json(h.command(user, "language en"));
    const auto m = h.store().find_member({team, user});
    if (m && scoring::pulse_statements(week, static_cast<std::uint32_t>(m->id)) == block) return user;
  }
}

std::vector<std::string> members_asked(slack_harness& h, int& next_user, iso_week week, const scoring::pulse_block& block,
                                       std::size_t count) {
  std::vector<std::string> out;
  while (out.size() < count) out.push_back(member_asked(h, next_user, week, block));
  return out;
}

// One published figure in the attacker's sum: + the company, − a group, from some week's export.
struct term {
  const std::vector<testing::export_row>* rows;
  std::string group;
  int sign;
};

// Σ sign × n × figure over the terms, on the score and on each dimension mean, where the people
// left add up to one: that person's own score or mean, exact up to the rounding, because every
// person behind these figures answered the same statements with one value throughout. Returns
// what it recovered within the rounding of the truth; figures it needed but found withheld must
// be withheld for disclosure.
std::vector<std::string> single_out(const std::vector<term>& terms, int truth_value) {
  const auto find = [](const term& t, const std::string& figure) {
    const auto it = std::find_if(t.rows->begin(), t.rows->end(),
                                 [&](const auto& r) { return r.group == t.group && r.figure == figure; });
    if (it != t.rows->end()) return *it;
    testing::export_row missing;
    missing.line = t.group + "," + figure + ": missing";
    return missing;
  };
  std::vector<std::string> recovered;
  for (const std::string figure : {"score", "conflict_trust", "communication", "feedback_loops", "shared_kpis_funnel",
                                   "joint_planning", "customers_enablement", "structure_roles"}) {
    std::vector<testing::export_row> used;
    for (const auto& t : terms) used.push_back(find(t, figure));
    if (std::any_of(used.begin(), used.end(), [](const auto& r) { return !r.shown; })) {
      for (const auto& r : used) {
        // A dimension nobody in the sum answered is empty, not withheld.
        if (!r.shown && r.withheld != "too_few_people") {
          EXPECT_NE(r.line.find(combination_reason), std::string::npos) << r.line;
        }
      }
      continue;
    }
    int people = 0;
    double value = 0;
    double allowed = 0;
    const bool is_score = figure == "score";
    for (std::size_t i = 0; i < terms.size(); ++i) {
      people += terms[i].sign * used[i].respondents;
      value += terms[i].sign * used[i].respondents * used[i].value;
      allowed += used[i].respondents * (is_score ? score_rounding : mean_rounding);
    }
    if (people != 1) continue;
    // A person's score is 20 × their mean answer.
    const double truth = is_score ? 20.0 * truth_value : truth_value;
    if (std::abs(value - truth) <= allowed) {
      std::ostringstream s;
      s << figure << ": recovered as " << value << ", truth " << truth << " (rounding allows ±" << allowed << ")";
      recovered.push_back(s.str());
    }
  }
  return recovered;
}

// Last week's figure of a group nobody in it has changed since is still this week's figure. With
// this week's company and other groups it can single out a small group that neither week shows.
TEST(anonymity_attack_bot, joiners_cannot_single_out_a_leader_with_last_weeks_figures) {
  slack_harness h(starting_in_w10());
  int next_user = 0;
  // Everyone is asked the same four statements: every figure is then the mean of its people's own.
  const auto& block = scoring::pulse_statements(w10, 0);
  const std::array sales{5, 4, 5, 4};
  const std::array marketing{4, 5, 3, 4};
  const std::array newcomer{4, 4, 5};
  constexpr int leader_value = 1;
  const auto sales_people = members_asked(h, next_user, w10, block, sales.size());
  const auto marketing_people = members_asked(h, next_user, w10, block, marketing.size());
  const auto leader = member_asked(h, next_user, w10, block);
  const auto newcomers = members_asked(h, next_user, w10 + 1, block, newcomer.size());  // they answer in W11

  // W10: four in Sales, four in Marketing and the leader. Marketing is withheld: the company
  // minus both sides would be the leader alone.
  for (std::size_t i = 0; i < sales.size(); ++i) answer_pulse(h, sales_people[i], "sales", sales[i]);
  for (std::size_t i = 0; i < marketing.size(); ++i) answer_pulse(h, marketing_people[i], "marketing", marketing[i]);
  answer_pulse(h, leader, "leadership", leader_value);
  next_week(h);  // W11: W10 is released
  const auto w10_rows = export_rows_of(weekly_export(h), w10);
  // W11: three newcomers join Marketing and answer. Nobody in Sales answers: Sales is unchanged.
  for (std::size_t i = 0; i < newcomers.size(); ++i) answer_pulse(h, newcomers[i], "marketing", newcomer[i]);
  next_week(h);  // W12: W11 is released
  const auto w11_rows = export_rows_of(weekly_export(h), w10 + 1);
  ASSERT_FALSE(w10_rows.empty());
  ASSERT_FALSE(w11_rows.empty());

  // W11's company − W11's Marketing − W10's Sales.
  const auto recovered =
      single_out({{&w11_rows, "all", +1}, {&w11_rows, "marketing", -1}, {&w10_rows, "sales", -1}}, leader_value);
  EXPECT_TRUE(recovered.empty()) << "the leader (others answered 3–5), from " << (w10 + 1).to_string()
                                 << "'s company and Marketing and " << w10.to_string() << "'s Sales:"
                                 << testing::joined(recovered);
  expect_no_small_differences(h);
}

// The same the other way round: after three in Sales forget, next week's Marketing — unchanged,
// and shown now that Sales is too small — completes last week's company minus Sales.
TEST(anonymity_attack_bot, forgets_cannot_single_out_a_leader_with_next_weeks_figures) {
  slack_harness h(starting_in_w10());
  int next_user = 0;
  const auto& block = scoring::pulse_statements(w10, 0);
  const std::array sales{5, 4, 5, 4, 5};
  const std::array marketing{4, 5, 3, 4};
  constexpr int leader_value = 1;
  const auto sales_people = members_asked(h, next_user, w10, block, sales.size());
  const auto marketing_people = members_asked(h, next_user, w10, block, marketing.size());
  const auto leader = member_asked(h, next_user, w10, block);

  // W10: five in Sales, four in Marketing and the leader: Marketing is withheld.
  for (std::size_t i = 0; i < sales.size(); ++i) answer_pulse(h, sales_people[i], "sales", sales[i]);
  for (std::size_t i = 0; i < marketing.size(); ++i) answer_pulse(h, marketing_people[i], "marketing", marketing[i]);
  answer_pulse(h, leader, "leadership", leader_value);
  next_week(h);  // W11: W10 is released
  const auto w10_rows = export_rows_of(weekly_export(h), w10);
  // W11: three in Sales forget; nobody answers. Sales (two left) is too small to show; Marketing is shown.
  for (int i = 0; i < 3; ++i) forget(h, sales_people[static_cast<std::size_t>(i)]);
  next_week(h);  // W12: W11 is released
  const auto w11_rows = export_rows_of(weekly_export(h), w10 + 1);
  ASSERT_FALSE(w10_rows.empty());
  ASSERT_FALSE(w11_rows.empty());

  // W10's company − W10's Sales − W11's Marketing.
  const auto recovered =
      single_out({{&w10_rows, "all", +1}, {&w10_rows, "sales", -1}, {&w11_rows, "marketing", -1}}, leader_value);
  EXPECT_TRUE(recovered.empty()) << "the leader (others answered 3–5), from " << w10.to_string()
                                 << "'s company and Sales and " << (w10 + 1).to_string() << "'s Marketing:"
                                 << testing::joined(recovered);
  expect_no_small_differences(h);
}

// ─── 5. Follow-ups ─────────────────────────────────────────────────────────────────────────────

std::string follow_up_section(const std::string& digest_text) {
  const auto at = digest_text.find("How earlier suggestions landed");
  if (at == std::string::npos) return {};
  const auto end = digest_text.find("\n\n", at);
  return digest_text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(anonymity_attack_bot, follow_ups_are_published_once_after_their_pulse_and_stay_frozen) {
  slack_harness h(starting_in_w10());
  for (int i = 0; i < 4; ++i) answer_pulse(h, "US" + std::to_string(i), "sales", 4);
  for (int i = 0; i < 4; ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", 2);
  next_week(h);  // W11: W10 is released; the digest issues nudges, followed up in W15
  reply_json(h.command("UADMIN", "digest here", "C0LEAD"));
  const auto issued = h.store().nudges_since(team, w10 + 1);
  ASSERT_FALSE(issued.empty());
  const auto follow_up_week = w10 + 1 + engine::follow_up_delay_weeks;
  ASSERT_EQ(issued.front().follow_up_week, follow_up_week);
  for (int i = 0; i < engine::follow_up_delay_weeks; ++i) next_week(h);
  ASSERT_EQ(iso_week::containing(h.clock().now()), follow_up_week);

  // The first nudge's follow-up gets four ratings (mean 3.0) and one "can't judge" (counted as
  // answered, never in the mean), a second one only two.
  const auto before_answers = digest(h);
  const std::map<std::string, int> first_answers{{"US0", 5}, {"US1", 4}, {"UM0", 2}, {"UM1", 1}, {"UM3", scoring::dont_know}};
  const std::map<std::string, int> second_answers{{"US2", 5}, {"UM2", 3}};
  const auto answer_follow_up = [&](const std::string& user, std::int64_t nudge, int value) {
    for (const auto& [action, button] : testing::buttons_of(reply_json(h.command(user, "pulse")))) {
      const auto parsed = engine::parse_answer_button(button);
      if (parsed && parsed->follow_up == nudge && parsed->value == value) {
        EXPECT_EQ(h.click(user, action, button).status, 200);
        return;
      }
    }
    ADD_FAILURE() << user << " was not asked follow-up " << nudge;
  };
  for (const auto& [user, value] : first_answers) answer_follow_up(user, issued[0].id, value);
  if (issued.size() > 1) {
    for (const auto& [user, value] : second_answers) answer_follow_up(user, issued[1].id, value);
  }
  ASSERT_EQ(h.store().follow_up_values(issued[0].id).size(), first_answers.size());

  // While the pulse is open, reading after every answer shows nothing of them.
  const auto while_open = digest(h);
  EXPECT_EQ(follow_up_section(while_open), "");
  EXPECT_EQ(testing::published_numbers(while_open), testing::published_numbers(before_answers)) << while_open;
  EXPECT_LT(*h.store().latest_release(team), follow_up_week);

  next_week(h);  // the follow-up week is released, with its follow-ups
  const auto released = digest(h);
  const auto section = follow_up_section(released);
  EXPECT_NE(section.find("3.0 (4 people)"), std::string::npos) << released;
  const auto w15 = release_of(h, follow_up_week);
  ASSERT_TRUE(w15);
  ASSERT_EQ(w15->published.follow_ups.size(), issued.size());
  EXPECT_TRUE(w15->published.follow_ups[0].shown);
  EXPECT_EQ(w15->published.follow_ups[0].respondents, 4);
  EXPECT_DOUBLE_EQ(w15->published.follow_ups[0].mean, 3.0);
  if (issued.size() > 1) {
    EXPECT_FALSE(w15->published.follow_ups[1].shown);  // two answers: below the minimum, never shown
    EXPECT_EQ(w15->published.follow_ups[1].respondents, 0);
    EXPECT_NE(section.find("not enough answers yet to show"), std::string::npos) << section;
  }

  // US0 (who answered 5) forgets: recomputed, the follow-up would read 2.3 (3 people).
  forget(h, "US0");
  EXPECT_EQ(h.store().follow_up_values(issued[0].id).size(), first_answers.size() - 1);
  EXPECT_EQ(release_of(h, follow_up_week)->figures, w15->figures);
  EXPECT_EQ(follow_up_section(digest(h)), section);
  next_week(h);  // and a week later, when the erasure's week is released, still
  EXPECT_EQ(release_of(h, follow_up_week)->figures, w15->figures);
  EXPECT_EQ(follow_up_section(digest(h)), section) << digest(h);
  expect_no_small_differences(h);
}

}  // namespace
}  // namespace smrel
