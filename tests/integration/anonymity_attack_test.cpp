// Attacks on statistical disclosure control, end to end, the way a statistician with a calculator
// would: subtract published figures from each other — within one report, across weeks, around a
// forget or a join — and try to learn about fewer than min_group_size people. Each attack is
// shown to work on figures published without the control (so each test can fail), then shown to
// recover nothing closer than the published rounding allows from what smrel really publishes.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/engine/export.hpp"
#include "bot/engine/report_json.hpp"
#include "bot/engine/summary.hpp"
#include "bot/engine/views.hpp"
#include "scoring/disclosure.hpp"
#include "scoring/survey_csv.hpp"
#include "tests/support/disclosure_attack.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/slack_harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel {
namespace {

using namespace std::chrono;
using json = nlohmann::json;
using scoring::group;
using scoring::iso_week;
using testing::slack_harness;

constexpr int cli_min_group_size = scoring::default_min_group_size;  // `smrel score` and `smrel export` by default
constexpr int bot_min_group_size = 3;                                // the Slack harness's setting
constexpr double score_rounding = 0.5;                               // scores are published in whole points
constexpr double mean_rounding = 0.05;                               // means in tenths
const std::string combination_reason = "would_reveal_a_smaller_group";
const std::string change_reason = "too_few_people_changed";

bool exposes(int people, int min_group_size) { return people > 0 && people < min_group_size; }

// ─── 1. One report: the rest of the company from `smrel score --json` ──────────────────────────

const std::string survey_week = "2026-W10";

struct csv_person {
  std::string id;
  std::string team;
  std::array<int, scoring::statement_count> values{};

  // Everyone answers every statement, so a score is the mean of people's own scores (20 × the
  // mean of their answers) and a dimension mean the mean of people's own means on it.
  double score() const {
    double sum = 0;
    for (const int v : values) sum += v;
    return 20.0 * sum / static_cast<double>(values.size());
  }
  double dimension_mean(std::size_t d) const {
    double sum = 0;
    int n = 0;
    for (std::size_t k = 0; k < scoring::statement_count; ++k) {
      if (static_cast<std::size_t>(scoring::statements()[k].dim) != d) continue;
      sum += values[k];
      ++n;
    }
    return sum / n;
  }
};

// Varied answers, different for every person and statement.
std::array<int, scoring::statement_count> varied_answers(int seed) {
  std::array<int, scoring::statement_count> out{};
  for (int k = 0; k < static_cast<int>(out.size()); ++k) {
    out[static_cast<std::size_t>(k)] = 1 + (seed * 7 + k * 3 + (seed * k) % 4) % 5;
  }
  return out;
}

// Leaders mostly disagree: unlike anybody else, so recovering them is visible.
std::array<int, scoring::statement_count> leader_answers(int seed) {
  std::array<int, scoring::statement_count> out{};
  for (int k = 0; k < static_cast<int>(out.size()); ++k) {
    out[static_cast<std::size_t>(k)] = (k + seed) % 4 == 0 ? 5 : 1;
  }
  return out;
}

std::vector<csv_person> company(int sales, int marketing, int leadership) {
  std::vector<csv_person> out;
  for (int i = 0; i < sales; ++i) out.push_back({"s" + std::to_string(i), "sales", varied_answers(i + 1)});
  for (int i = 0; i < marketing; ++i) out.push_back({"m" + std::to_string(i), "marketing", varied_answers(i + 50)});
  for (int i = 0; i < leadership; ++i) out.push_back({"l" + std::to_string(i), "leadership", leader_answers(i)});
  return out;
}

std::string survey_csv(const std::vector<csv_person>& people) {
  std::string out = "week,respondent,group,item,value\n";
  for (const auto& p : people) {
    for (std::size_t k = 0; k < scoring::statement_count; ++k) {
      out += survey_week + "," + p.id + "," + p.team + "," + std::string(scoring::statements()[k].id) + "," +
             std::to_string(p.values[k]) + "\n";
    }
  }
  return out;
}

// A clean environment: nothing from the developer's shell leaks into the result.
std::string smrel(const std::string& args, const std::string& env = "") {
  return "env -i PATH=/usr/bin:/bin " + env + " " SMREL_BINARY " " + args;
}

json published_score(const std::string& csv) {
  testing::temp_dir dir;
  const auto path = dir.file("survey.csv");
  std::ofstream(path) << csv;
  const auto r = testing::run_command(smrel("score --csv " + path + " --json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

// The same report with everything but the control: scored and rounded as published, nothing
// withheld beyond the per-figure minimum. What the attack would see without disclosure control.
json uncontrolled_score(const std::string& csv) {
  const auto parsed = scoring::parse_survey_csv(csv);
  EXPECT_TRUE(parsed.ok());
  scoring::scoring_options options;
  options.as_of = *iso_week::parse(survey_week);
  options.min_group_size = cli_min_group_size;
  auto r = scoring::build_report(parsed.data, options);
  scoring::round_for_publication(r);
  return json::parse(engine::report_to_json(r, {}));
}

struct attack_outcome {
  std::vector<std::string> blocked;    // a figure the attack needs, and why it is withheld
  std::vector<std::string> recovered;  // what it worked out within the rounding
};

// n_all × all − n_sales × Sales − n_marketing × Marketing = the sum over everyone else: on the
// score and on each dimension mean. Recovered when the result is within what the rounding of the
// figures used can explain of the truth (it always is, when the figures are there).
attack_outcome attack_the_rest(const json& doc, const std::vector<csv_person>& people) {
  std::vector<const csv_person*> rest;
  for (const auto& p : people) {
    if (p.team != "sales" && p.team != "marketing") rest.push_back(&p);
  }
  attack_outcome out;
  const auto try_one = [&](const std::string& what, const json& all, const json& n_all, const json& sales, const json& n_sales,
                           const json& marketing, const json& n_marketing, double rounding, const auto& truth_of) {
    const int n_rest = n_all.get<int>() - n_sales.get<int>() - n_marketing.get<int>();
    const double recovered =
        (n_all.get<double>() * all.get<double>() - n_sales.get<double>() * sales.get<double>() -
         n_marketing.get<double>() * marketing.get<double>()) / n_rest;
    double truth = 0;
    for (const auto* p : rest) truth += truth_of(*p);
    truth /= static_cast<double>(rest.size());
    const double allowed = rounding * (n_all.get<double>() + n_sales.get<double>() + n_marketing.get<double>()) / n_rest;
    if (n_rest == static_cast<int>(rest.size()) && std::abs(recovered - truth) <= allowed) {
      std::ostringstream s;
      s << what << ": the other " << n_rest << " recovered as " << recovered << ", truth " << truth << " (rounding allows ±"
        << allowed << ")";
      out.recovered.push_back(s.str());
    }
  };

  const auto& groups = doc.at("groups");
  bool score_blocked = false;
  if (doc.at("score").is_null()) {
    out.blocked.push_back("score: " + doc.value("withheld", ""));
    score_blocked = true;
  }
  for (const auto* side : {"sales", "marketing"}) {
    if (groups.at(side).value("suppressed", false)) {
      out.blocked.push_back(std::string(side) + " score: " + groups.at(side).value("withheld", ""));
      score_blocked = true;
    }
  }
  if (!score_blocked) {
    try_one("score", doc["score"], doc["respondents"], groups["sales"]["score"], groups["sales"]["respondents"],
            groups["marketing"]["score"], groups["marketing"]["respondents"], score_rounding,
            [](const csv_person& p) { return p.score(); });
  }
  for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
    const auto& item = doc.at("dimensions").at(d);
    const auto id = item.at("id").get<std::string>();
    bool blocked = false;
    if (item.at("mean").is_null()) {
      out.blocked.push_back(id + " mean: " + item.value("withheld", ""));
      blocked = true;
    }
    for (const std::string side : {"sales", "marketing"}) {
      if (item.at(side + "_mean").is_null()) {
        out.blocked.push_back(id + " " + side + " mean: " + item.value(side + "_withheld", ""));
        blocked = true;
      }
    }
    if (blocked) continue;
    try_one(id, item["mean"], item["respondents"], item["sales_mean"], item["sales_respondents"], item["marketing_mean"],
            item["marketing_respondents"], mean_rounding, [&](const csv_person& p) { return p.dimension_mean(d); });
  }
  return out;
}

// What the report shows must leave no combination about fewer than the minimum: the company minus
// all shown groups, on the score and on each dimension; dimension means all or none per column.
void expect_no_small_rest(const json& doc) {
  int rest = doc.at("respondents").get<int>();
  for (const auto& [name, g] : doc.at("groups").items()) {
    if (!g.value("suppressed", false)) rest -= g.at("respondents").get<int>();
  }
  EXPECT_FALSE(exposes(rest, cli_min_group_size)) << "the company minus the shown groups is " << rest << " people";
  std::map<std::string, int> shown;
  for (const auto& item : doc.at("dimensions")) {
    for (const std::string column : {"mean", "sales_mean", "marketing_mean"}) shown[column] += item.at(column).is_null() ? 0 : 1;
    if (item.at("mean").is_null()) continue;
    int rest_d = item.at("respondents").get<int>();
    for (const std::string side : {"sales", "marketing"}) {
      if (!item.at(side + "_mean").is_null()) rest_d -= item.at(side + "_respondents").get<int>();
    }
    EXPECT_FALSE(exposes(rest_d, cli_min_group_size)) << item.at("id") << ": the company minus the shown sides is " << rest_d;
  }
  for (const auto& [column, n] : shown) {
    EXPECT_TRUE(n == 0 || n == static_cast<int>(scoring::dimension_count)) << column << ": " << n << " of 7 shown";
  }
}

void attack_one_report(const std::vector<csv_person>& people) {
  const auto csv = survey_csv(people);
  // Without the control the subtraction finds the rest of the company to within the rounding.
  const auto uncontrolled = attack_the_rest(uncontrolled_score(csv), people);
  ASSERT_EQ(uncontrolled.recovered.size(), 1 + scoring::dimension_count) << testing::joined(uncontrolled.blocked);

  const auto doc = published_score(csv);
  ASSERT_FALSE(doc.at("score").is_null());
  const auto published = attack_the_rest(doc, people);
  EXPECT_TRUE(published.recovered.empty()) << testing::joined(published.recovered);
  // Where a step of the attack (score, seven dimensions) cannot be formed, a figure it needs is
  // withheld because it would reveal a smaller group.
  for (const auto& b : published.blocked) EXPECT_NE(b.find(combination_reason), std::string::npos) << b;
  expect_no_small_rest(doc);
}

TEST(anonymity_attack_score, one_leader_beside_five_and_five_cannot_be_subtracted_out) {
  attack_one_report(company(5, 5, 1));
}

TEST(anonymity_attack_score, four_leaders_beside_six_and_seven_cannot_be_subtracted_out) {
  const auto people = company(6, 7, 4);
  attack_one_report(people);
  const auto doc = published_score(survey_csv(people));
  EXPECT_EQ(doc["groups"]["leadership"].value("withheld", ""), "too_few_people");
}

// ─── Through the bot: releases over the weeks ──────────────────────────────────────────────────

const domain::workspace_ref team{domain::platform::slack, testing::test_team};
const iso_week w10 = *iso_week::parse("2026-W10");

// Monday 2 March 2026 10:00 UTC, the start of 2026-W10 (the harness's company time zone is UTC).
slack_harness::setup starting_in_w10() {
  return [](config::settings& settings, service::server_options&, testing::offset_clock& clock) {
    EXPECT_EQ(settings.survey.min_group_size, bot_min_group_size);
    clock.set(domain::time_point{sys_days{w10.monday()} + hours{10}});
  };
}

json reply_json(const testing::test_response& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

std::string digest(slack_harness& h) { return reply_json(h.command("UADMIN", "digest preview"))["text"].get<std::string>(); }
std::string status(slack_harness& h) { return reply_json(h.command("UADMIN", "status"))["text"].get<std::string>(); }

// Tuesday 10:00 of the next week: this week's pulse has closed (at midnight after its seventh
// day). A status read then lets the server release it, as the first reader would.
void next_week(slack_harness& h) {
  const auto week = iso_week::containing(h.clock().now()) + 1;
  h.clock().set(domain::time_point{sys_days{week.monday()} + days{1} + hours{10}});
  status(h);
}

// The person joins `team_name` and answers every statement of this week's pulse with `value`.
void answer_pulse(slack_harness& h, const std::string& user, const std::string& team_name, int value) {
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

void forget(slack_harness& h, const std::string& user) {
  const auto buttons = testing::buttons_of(reply_json(h.command(user, "forget")));
  ASSERT_EQ(buttons.size(), 2U);
  ASSERT_EQ(buttons[0].first.rfind(engine::forget_action, 0), 0U) << buttons[0].first;
  ASSERT_EQ(h.click(user, buttons[0].first, buttons[0].second).status, 200);
  ASSERT_FALSE(h.store().find_member({team, user})) << user << " was not erased";
}

// `smrel export` of the harness's workspace, as of the harness's clock. Read after the server
// released the weeks (any status or digest does), so it only reads.
std::string weekly_export(slack_harness& h) {
  const domain::pseudonymizer pseudonyms(h.settings().pseudonym_key);
  const engine::calendar company_calendar(h.settings().survey);
  engine::release_ledger ledger(h.store(), pseudonyms, company_calendar, h.settings().survey);
  std::ostringstream out;
  engine::export_weekly_csv(ledger, team, h.clock().now(), out);
  return out.str();
}

std::vector<testing::export_row> export_rows_of(const std::string& csv, iso_week week) {
  std::vector<testing::export_row> out;
  for (auto& row : testing::parse_weekly_export(csv)) {
    if (row.week == week.to_string()) out.push_back(std::move(row));
  }
  return out;
}

std::optional<testing::stored_release> release_of(slack_harness& h, iso_week week) {
  for (auto& r : testing::stored_releases(h.store(), team)) {
    if (r.week == week) return std::move(r);
  }
  return std::nullopt;
}

// What the bot would publish for `week` from the answers now, with combinations withheld and
// rounded but without release control: what an attacker would see if weeks were recomputed.
scoring::report uncontrolled_release(slack_harness& h, iso_week week) {
  const auto options = engine::scoring_options_from(h.settings().survey, week);
  // One report's combinations and rounding, but nothing across weeks (build_published_report
  // would hold back trend points that differ by a few people).
  auto r = scoring::build_report(engine::load_survey(h.store(), team, options), options);
  scoring::withhold_combinations(r);
  scoring::round_for_publication(r);
  return r;
}

// A held-back week publishes no figure at all: only the company's head count.
void expect_held_back(const scoring::report& r) {
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.why, scoring::withheld::too_few_changed);
  for (const auto g : scoring::all_groups) EXPECT_FALSE(r.group_score(g).shown) << scoring::group_id(g);
  for (const auto& d : r.dimensions) {
    EXPECT_FALSE(d.mean.shown || d.sales.shown || d.marketing.shown) << scoring::dimension_id(d.dim);
  }
}

void expect_export_held_back(const std::string& csv, iso_week week) {
  const auto rows = export_rows_of(csv, week);
  ASSERT_EQ(rows.size(), 5 + 3 * scoring::dimension_count) << csv;
  for (const auto& row : rows) EXPECT_FALSE(row.shown) << row.line;
  EXPECT_EQ(rows.front().withheld, change_reason) << rows.front().line;
}

void expect_no_small_differences(slack_harness& h) {
  const auto found = testing::small_differences(testing::stored_releases(h.store(), team), bot_min_group_size);
  EXPECT_TRUE(found.empty()) << testing::joined(found);
}

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
  EXPECT_NE(status(h).find("week " + (w10 + 2).to_string()), std::string::npos) << status(h);
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

// ─── 4. The demo company through `smrel export` ────────────────────────────────────────────────

const std::string demo_key(40, 'd');

// `smrel demo` commits several hundred small transactions, each synced to disk: on a busy disk
// that alone takes seconds. Its database goes to memory-backed /dev/shm when there is one.
class demo_dir {
 public:
  demo_dir() {
    std::error_code ignored;
    if (!std::filesystem::is_directory("/dev/shm", ignored)) return;
    std::random_device entropy;
    path_ = std::filesystem::path("/dev/shm") / ("smrel-attack-" + std::to_string(entropy()) + std::to_string(entropy()));
    if (!std::filesystem::create_directory(path_, ignored)) path_.clear();
  }
  ~demo_dir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  demo_dir(const demo_dir&) = delete;
  demo_dir& operator=(const demo_dir&) = delete;

  std::string file(const std::string& name) const { return path_.empty() ? fallback_.file(name) : (path_ / name).string(); }

 private:
  testing::temp_dir fallback_;
  std::filesystem::path path_;
};
const domain::workspace_ref demo_workspace{domain::platform::slack, "T0DEMO"};

TEST(anonymity_attack_export, demo_revops_is_never_isolated_and_a_forget_changes_no_exported_row) {
  const demo_dir dir;
  const auto database = dir.file("smrel.db");
  const auto env = "SMREL_DB=sqlite:" + database + " SMREL_PSEUDONYM_KEY=" + demo_key;
  auto r = testing::run_command(smrel("demo", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = testing::run_command(smrel("export", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto exported = r.out;
  const auto rows = testing::parse_weekly_export(exported);
  ASSERT_FALSE(rows.empty());

  // For every week: the company minus the shown groups (RevOps, three people, is in no group
  // shown), on the score and on each dimension (minus the shown sides).
  std::map<std::string, std::map<std::pair<std::string, std::string>, testing::export_row>> weeks;
  for (const auto& row : rows) {
    ASSERT_NE(row.withheld, "malformed") << row.line;
    weeks[row.week][{row.group, row.figure}] = row;
  }
  int residuals = 0;
  for (const auto& [week, figures] : weeks) {
    EXPECT_FALSE(figures.at({"other", "score"}).shown) << week << ": RevOps shown";
    const auto& all = figures.at({"all", "score"});
    if (all.shown) {
      int rest = all.respondents;
      double value = all.respondents * all.value;
      for (const auto g : scoring::all_groups) {
        const auto& row = figures.at({std::string(scoring::group_id(g)), "score"});
        if (!row.shown) continue;
        rest -= row.respondents;
        value -= row.respondents * row.value;
      }
      ++residuals;
      EXPECT_FALSE(exposes(rest, cli_min_group_size)) << week << ": the company minus the shown groups is " << rest
                                                      << " people, score sum " << value;
    }
    int means_shown = 0;
    for (const auto d : scoring::all_dimensions) {
      const std::string id(scoring::dimension_id(d));
      const auto& mean = figures.at({"all", id});
      if (!mean.shown) continue;
      ++means_shown;
      int rest = mean.respondents;
      for (const std::string side : {"sales", "marketing"}) {
        const auto& row = figures.at({side, id});
        rest -= row.shown ? row.respondents : 0;
      }
      ++residuals;
      EXPECT_FALSE(exposes(rest, cli_min_group_size)) << week << " " << id << ": the company minus the shown sides is " << rest;
    }
    EXPECT_TRUE(means_shown == 0 || means_shown == static_cast<int>(scoring::dimension_count)) << week;
  }
  EXPECT_GT(residuals, 0);
  {
    auto store = storage::open_store("sqlite:" + database);
    const auto found = testing::small_differences(testing::stored_releases(*store, demo_workspace), cli_min_group_size);
    EXPECT_TRUE(found.empty()) << testing::joined(found);
  }

  // A salesperson's data is erased (as `/smrel forget` does), then everything is exported again.
  const domain::member_key salesperson{demo_workspace, "U0DEMO001"};
  const domain::pseudonymizer pseudonyms(demo_key);
  const auto pseudonym = pseudonyms.pseudonym(salesperson);
  const auto answers_before = testing::run_command(smrel("export --answers", env)).out;
  ASSERT_NE(answers_before.find("," + pseudonym + ",sales,"), std::string::npos);
  {
    auto store = storage::open_store("sqlite:" + database);
    ASSERT_EQ(store->find_member(salesperson)->group, group::sales);
    store->forget(salesperson, pseudonym);
  }
  const auto answers_after = testing::run_command(smrel("export --answers", env)).out;
  ASSERT_EQ(answers_after.find(pseudonym), std::string::npos);
  r = testing::run_command(smrel("export", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Every row exported before is exported again byte for byte (a week may have closed since).
  std::istringstream before(exported);
  std::istringstream after(r.out);
  std::string line_before;
  std::string line_after;
  int line = 0;
  while (std::getline(before, line_before)) {
    ++line;
    ASSERT_TRUE(std::getline(after, line_after)) << "row " << line << " is gone: " << line_before;
    EXPECT_EQ(line_after, line_before) << "row " << line;
  }
}

}  // namespace
}  // namespace smrel
