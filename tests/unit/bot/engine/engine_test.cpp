#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "bot/domain/plain_text.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/engine/demo.hpp"
#include "bot/engine/export.hpp"
#include "bot/engine/report_json.hpp"
#include "bot/engine/summary.hpp"
#include "bot/engine/views.hpp"
#include "bot/engine/wording.hpp"
#include "scoring/survey_csv.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::engine {
namespace {

using namespace std::chrono;
using domain::member_key;
using domain::platform;
using domain::workspace_ref;

const workspace_ref acme{platform::slack, "T0ACME"};
const scoring::iso_week week48 = *scoring::iso_week::parse("2026-W48");
const time_point t0 = sys_days{2026y / November / 23} + hours{10};
// Week 48's pulse (Monday 10:00, open seven days) has closed: its figures are published.
const domain::time_point after48 = t0 + days{8};

// What people read: the views in plain text, as notifications and the CLI show them.
const domain::bare_words_phrasing bare_words;
std::string status_text(const summary& s, scoring::locale lang) { return domain::plain_text(status_view(s, lang, bare_words)); }
std::string digest_text(const summary& s, scoring::locale lang) { return domain::plain_text(digest_view(s, lang, bare_words)); }

class engine_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::open_store("sqlite:" + dir_.file("smrel.db"));
    store_->migrate();
    ledger_.emplace(*store_, pseudonyms_, calendar_, survey_);
  }

  // `count` people in `g`, each answering statement `item` with `value` in week 48.
  void add_people(scoring::group g, int count, std::uint8_t item, std::uint8_t value, int first = 0,
                  scoring::iso_week week = week48) {
    const auto opened = t0 + days{7 * (week - week48)};
    const auto pulse = store_->open_pulse(acme, week, opened, opened + days{7});
    std::vector<storage::new_answer> answers;
    for (int i = first; i < first + count; ++i) {
      const member_key key{acme, std::string(scoring::group_id(g)) + std::to_string(i)};
      const auto m = store_->upsert_member(key, scoring::locale::en, t0);
      const auto pseudonym = pseudonyms_.pseudonym(key);
      store_->set_group(key, pseudonym, g);
      store_->record_delivery(pulse.id, m.id, scoring::pulse_block{item, 1, 2, 3}, opened);
      answers.push_back({acme, pulse.id, pseudonym, week, item, value, opened + seconds{i}});
    }
    store_->store_answers(answers);
  }

  summary published_at(domain::time_point now) { return summarize(*store_, *ledger_, acme, survey_, now); }

  // Scores as of a new window length (the ledger reads its settings once).
  void use_window(int weeks) {
    survey_.window_weeks = weeks;
    ledger_.emplace(*store_, pseudonyms_, calendar_, survey_);
  }

  // A window whose "can't judge" block ends with week 48, and a week-48 pulse in which 3 of 8 Sales
  // cannot judge q02 (Marketing rates it).
  int cant_judge_block_ending_in_week48() {
    int window = 2;
    while (!ends_dont_know_block(week48, window)) ++window;
    use_window(window);
    add_people(scoring::group::sales, 5, 1, 3);
    add_people(scoring::group::sales, 3, 1, scoring::dont_know, 5);
    add_people(scoring::group::marketing, 6, 1, 4);
    return window;
  }

  testing::temp_dir dir_;
  std::unique_ptr<storage::store> store_;
  domain::pseudonymizer pseudonyms_{"test-key-0123456789abcdef0123456789"};
  config::survey_settings survey_;
  calendar calendar_{survey_};
  std::optional<release_ledger> ledger_;
};

TEST_F(engine_test, summary_scores_the_stored_answers_with_participation) {
  add_people(scoring::group::sales, 6, 5, 4);      // q06, feedback loops
  add_people(scoring::group::marketing, 6, 5, 2);
  store_->upsert_member({acme, "lurker"}, scoring::locale::en, t0);
  // While the pulse is open nothing of it is published; participation is live.
  const auto open = published_at(t0 + hours{1});
  EXPECT_FALSE(open.report.score.shown);
  EXPECT_EQ(open.people.asked_this_week, 12);
  EXPECT_EQ(open.people.answered_this_week, 12);
  EXPECT_NE(status_text(open, scoring::locale::en).find("This week: 12 of 12 (100%)"), std::string::npos);

  const auto s = published_at(after48);
  ASSERT_TRUE(s.report.score.shown);
  EXPECT_EQ(s.report.as_of, week48);
  EXPECT_DOUBLE_EQ(s.report.score.value, 60.0);
  EXPECT_EQ(s.people.members, 13);
  EXPECT_EQ(s.people.respondents, 12);
  EXPECT_EQ(s.report.largest_gap(), scoring::dimension::feedback_loops);
  ASSERT_FALSE(s.nudges.empty());
  EXPECT_EQ(s.nudges[0].trigger, scoring::nudge_trigger::perception_gap);

  const auto text = status_text(s, scoring::locale::en);
  EXPECT_NE(text.find("Stage: Aligned"), std::string::npos) << text;
  EXPECT_NE(text.find("Largest gap: Feedback loops: Sales 4.0 (n=6), Marketing 2.0 (n=6), gap 2.0 ("), std::string::npos) << text;
  const auto dutch = status_text(s, scoring::locale::nl);
  EXPECT_NE(dutch.find("Fase: Afgestemd"), std::string::npos) << dutch;
  EXPECT_NE(dutch.find("Sales 4,0 (n=6), Marketing 2,0 (n=6), verschil 2,0 ("), std::string::npos)
      << "Dutch writes a decimal comma: " << dutch;
  // The text fallback (notifications, screen readers) says the trend in numbers, not blocks.
  const auto view = status_view(s, scoring::locale::en, bare_words);
  EXPECT_EQ(view.fallback_text.find(sparkline(s.report.trend)), std::string::npos) << view.fallback_text;
  EXPECT_NE(view.fallback_text.find("Trend scores by week, oldest first: "), std::string::npos) << view.fallback_text;
  EXPECT_NE(domain::plain_text(view).find(sparkline(s.report.trend)), std::string::npos)
      << "the blocks keep the sparkline";
  const auto digest = digest_text(s, scoring::locale::en);
  EXPECT_NE(digest.find("What to do next"), std::string::npos);
  EXPECT_NE(digest.find(std::string(s.nudges[0].what->action.en)), std::string::npos);
}

TEST_F(engine_test, too_few_people_shows_no_figures_anywhere) {
  add_people(scoring::group::sales, 4, 0, 5);
  const auto s = published_at(after48);
  EXPECT_FALSE(s.report.score.shown);
  EXPECT_TRUE(s.nudges.empty());
  const auto text = status_text(s, scoring::locale::en);
  EXPECT_NE(text.find("Not enough answers yet"), std::string::npos) << text;
  EXPECT_NE(text.find("1 more person needed"), std::string::npos) << text;
  EXPECT_EQ(text.find("Stage"), std::string::npos) << text;
  EXPECT_EQ(text.find("score 100"), std::string::npos) << text;  // the would-be score

  const auto doc = nlohmann::json::parse(report_to_json(s.report, s.nudges));
  EXPECT_TRUE(doc["score"].is_null());
  EXPECT_TRUE(doc["suppressed"].get<bool>());
  EXPECT_TRUE(doc["groups"]["sales"]["suppressed"].get<bool>());
  EXPECT_FALSE(doc["groups"]["sales"].contains("respondents"));
  EXPECT_TRUE(doc["dimensions"][3]["mean"].is_null());
}

TEST_F(engine_test, json_report_has_the_contract_fields) {
  add_people(scoring::group::sales, 5, 0, 3);
  add_people(scoring::group::marketing, 5, 0, 5);
  const auto s = published_at(after48);
  const auto doc = nlohmann::json::parse(report_to_json(s.report, s.nudges));
  for (const auto* key : {"score", "stage", "ci_low", "ci_high", "respondents", "groups", "dimensions", "trend", "nudges"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  EXPECT_EQ(doc["score"], 80);  // whole points
  EXPECT_EQ(doc["stage"], "Integrated");
  EXPECT_EQ(doc["respondents"], 10);
  EXPECT_EQ(doc["groups"]["sales"]["score"], 60.0);
  EXPECT_EQ(doc["groups"]["sales"]["stage"], "Aligned");
  EXPECT_EQ(doc["groups"]["marketing"]["respondents"], 5);
  EXPECT_TRUE(doc["groups"]["leadership"]["suppressed"].get<bool>());
  const auto& kpis = doc["dimensions"][3];
  EXPECT_EQ(kpis["id"], "shared_kpis_funnel");
  EXPECT_EQ(kpis["sales_mean"], 3.0);
  EXPECT_EQ(kpis["marketing_mean"], 5.0);
  EXPECT_EQ(kpis["gap"], -2.0);
  EXPECT_TRUE(kpis["perception_gap"].get<bool>());
  EXPECT_EQ(kpis["gap_verdict"], "gap");
  EXPECT_EQ(kpis["sales_respondents"], 5);
  EXPECT_LT(kpis["gap_ci_high"].get<double>(), 0.0);
  EXPECT_EQ(doc["trend"].back()["week"], "2026-W48");
  ASSERT_FALSE(doc["nudges"].empty());
  for (const auto& n : doc["nudges"]) {
    EXPECT_TRUE(n["id"].is_string());
    EXPECT_TRUE(n["title"].is_string());
    EXPECT_TRUE(n["why"].is_string());
  }
}

TEST_F(engine_test, demo_company_is_believable_and_idempotent) {
  demo_options options;
  options.workspace = acme;
  options.current_week = week48;
  const auto seeded = seed_demo(*store_, pseudonyms_, survey_, options);
  EXPECT_EQ(seeded.members, 40);
  EXPECT_EQ(seeded.pulses, 12);
  EXPECT_GT(seeded.answers, 1000U);
  EXPECT_GT(seeded.nudges, 0);
  EXPECT_EQ(store_->members(acme).size(), 40U);

  // On Monday of week 48, after week 47's pulse closed: week 47 is shown, week 48's pulse is open.
  const auto monday = t0 + hours{1};
  const auto s = published_at(monday);
  ASSERT_TRUE(s.report.score.shown);
  EXPECT_EQ(s.report.as_of, week48 - 1);
  EXPECT_TRUE(s.report.group_score(scoring::group::sales).shown);
  EXPECT_TRUE(s.report.group_score(scoring::group::marketing).shown);
  EXPECT_TRUE(s.report.largest_gap());
  EXPECT_EQ(s.report.trend.size(), 11U);  // weeks 37–47
  EXPECT_FALSE(s.nudges.empty());
  EXPECT_GT(s.people.answered_this_week, 20);
  EXPECT_LT(s.people.answered_this_week, 40);

  const auto answers = store_->answer_count();
  const auto again = seed_demo(*store_, pseudonyms_, survey_, options);
  EXPECT_EQ(store_->answer_count(), answers);
  EXPECT_EQ(again.nudges, 0);  // this week's digest was already recorded
  EXPECT_DOUBLE_EQ(published_at(monday).report.score.value, s.report.score.value);
}

TEST_F(engine_test, exported_answers_rescore_to_the_same_report) {
  demo_options options;
  options.workspace = acme;
  options.current_week = week48;
  seed_demo(*store_, pseudonyms_, survey_, options);
  std::ostringstream csv;
  const auto rows = export_answers_csv(*store_, acme, csv);
  EXPECT_EQ(rows, store_->answer_count());
  EXPECT_EQ(csv.str().find("U0DEMO"), std::string::npos);  // pseudonyms only

  const auto parsed = scoring::parse_survey_csv(csv.str());
  ASSERT_TRUE(parsed.ok());
  // Nothing was forgotten or moved and every week had enough new answers, so scoring the exported
  // answers as of the shown week gives the published figures.
  auto score_options = scoring_options_from(survey_, week48 - 1);
  std::array<int, scoring::group_count> members{};  // the bot weights teams by their members
  for (const auto& m : store_->members(acme)) ++members[static_cast<std::size_t>(m.group)];
  score_options.population = members;
  const auto rescored = scoring::build_published_report(parsed.data, score_options);
  const auto s = published_at(t0 + hours{1});
  EXPECT_DOUBLE_EQ(rescored.score.value, s.report.score.value);
  EXPECT_DOUBLE_EQ(rescored.score.ci_low, s.report.score.ci_low);
  EXPECT_EQ(rescored.score.respondents, s.report.score.respondents);
  // A group the release held back (fewer than five of its people changed since an earlier
  // release) shows an earlier week's figure; the rescoring knows no earlier releases.
  int compared = 0;
  for (const auto g : scoring::all_groups) {
    if (s.carried.groups[static_cast<std::size_t>(g)]) continue;
    ++compared;
    EXPECT_EQ(rescored.group_score(g).shown, s.report.group_score(g).shown) << scoring::group_id(g);
    EXPECT_DOUBLE_EQ(rescored.group_score(g).value, s.report.group_score(g).value) << scoring::group_id(g);
  }
  EXPECT_GE(compared, 3);
}

TEST_F(engine_test, cant_judge_findings_are_released_once_a_block_and_shown_until_the_next) {
  cant_judge_block_ending_in_week48();  // so week 48's release carries the block's findings
  const auto s = published_at(after48);
  ASSERT_EQ(s.report.dont_know_findings.size(), 1U);
  EXPECT_EQ(s.report.dont_know_findings[0].side, scoring::group::sales);
  EXPECT_EQ(s.report.dont_know_findings[0].item, 1);
  EXPECT_DOUBLE_EQ(s.report.dont_know_findings[0].share, 0.4);
  EXPECT_EQ(s.dont_knows_until, week48);
  EXPECT_NE(digest_text(s, scoring::locale::en).find("40% of Sales can't judge"), std::string::npos);
  EXPECT_EQ(s.report.score.respondents, 11) << "people who only answered \"can't judge\" are no respondents";

  // The next week ends no block: its release holds no findings, and status still shows week 48's.
  const auto next = published_at(after48 + days{7});
  const auto releases = ledger_->published(acme, week48 + 1, week48 + 1);
  ASSERT_EQ(releases.size(), 1U);
  EXPECT_TRUE(releases[0].report.dont_know_findings.empty());
  EXPECT_EQ(next.dont_knows_until, week48);
  EXPECT_EQ(next.report.dont_know_findings.size(), 1U);
}

TEST_F(engine_test, people_who_only_cannot_judge_do_not_count_as_changes_in_a_release) {
  add_people(scoring::group::sales, 8, 0, 3);
  ASSERT_TRUE(published_at(after48).report.score.shown);
  // A week later one salesperson rates 5 and four newcomers answer only "can't judge": the
  // change from week 48 is one person's, whatever the newcomers did.
  add_people(scoring::group::sales, 1, 0, 5, 0, week48 + 1);
  add_people(scoring::group::sales, 4, 0, scoring::dont_know, 8, week48 + 1);
  published_at(after48 + days{7});
  const auto releases = ledger_->published(acme, week48 + 1, week48 + 1);
  ASSERT_EQ(releases.size(), 1U);
  EXPECT_FALSE(releases[0].report.score.shown);
  EXPECT_EQ(releases[0].report.score.why, scoring::withheld::too_few_changed);
}

TEST_F(engine_test, a_changed_window_never_makes_a_cant_judge_block_overlap_the_last_one) {
  const int window = cant_judge_block_ending_in_week48();
  ASSERT_EQ(published_at(after48).dont_knows_until, week48);
  // A new window whose block would end `ahead` weeks later, sharing weeks with week 48's block.
  int ahead = 0;
  int other = 0;
  for (int w = 2; w <= 12 && !other; ++w) {
    for (int k = 1; k < w && !other; ++k) {
      if (w != window && ends_dont_know_block(week48 + k, w)) {
        other = w;
        ahead = k;
      }
    }
  }
  ASSERT_GT(other, 0);
  use_window(other);
  published_at(after48 + days{7 * ahead});
  const auto releases = ledger_->published(acme, week48 + ahead, week48 + ahead);
  ASSERT_EQ(releases.size(), 1U);
  EXPECT_FALSE(releases[0].dont_know_block);
  EXPECT_TRUE(releases[0].report.dont_know_findings.empty());
}

TEST_F(engine_test, weekly_export_holds_only_what_may_be_shown) {
  add_people(scoring::group::sales, 5, 0, 3);
  add_people(scoring::group::marketing, 2, 0, 5);
  std::ostringstream csv;
  export_weekly_csv(*ledger_, acme, after48, csv);
  const auto text = csv.str();
  EXPECT_EQ(text.rfind("week,group,dimension,respondents,value,ci_low,ci_high,stage,suppressed,withheld\n", 0), 0U);
  EXPECT_NE(text.find("2026-W48,all,score,7,"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-W48,marketing,score,,,,,,true,too_few_people\n"), std::string::npos) << text;
  // Seven people minus Sales' five would be Marketing's two: Sales is withheld too.
  EXPECT_NE(text.find("2026-W48,sales,score,,,,,,true,would_reveal_a_smaller_group\n"), std::string::npos) << text;
}

TEST(wording, the_weekly_moment_is_said_as_people_say_it) {
  EXPECT_EQ(weekly_moment("monday", "10:00", "Europe/Amsterdam", scoring::locale::en), "Monday 10:00 Amsterdam time");
  EXPECT_EQ(weekly_moment("monday", "10:00", "Europe/Amsterdam", scoring::locale::nl),
            "maandag om 10:00, tijd in Amsterdam");
  EXPECT_EQ(weekly_moment("friday", "09:30", "America/Argentina/Buenos_Aires", scoring::locale::en),
            "Friday 09:30 Buenos Aires time");
  EXPECT_EQ(weekly_moment("tuesday", "08:00", "UTC", scoring::locale::en), "Tuesday 08:00 UTC");
  EXPECT_EQ(weekly_moment("tuesday", "08:00", "Etc/GMT-2", scoring::locale::nl), "dinsdag om 08:00 Etc/GMT-2");
}

// Where people read a week it is its days, not its ISO label; Dutch keeps the week number too.
TEST(wording, weeks_are_said_as_dates) {
  const auto week = [](const char* iso) { return *scoring::iso_week::parse(iso); };
  EXPECT_EQ(week_in_words(week("2026-W48"), scoring::locale::en), "23–29 November 2026");
  EXPECT_EQ(week_in_words(week("2026-W48"), scoring::locale::nl), "week 48, 23–29 november 2026");
  EXPECT_EQ(week_in_words(week("2026-W49"), scoring::locale::en), "30 November – 6 December 2026");
  // ISO 2026-W01 starts in 2025; 2026-W53 ends in 2027.
  EXPECT_EQ(week_in_words(week("2026-W01"), scoring::locale::en), "29 December 2025 – 4 January 2026");
  EXPECT_EQ(week_in_words(week("2026-W53"), scoring::locale::nl), "week 53, 28 december 2026 – 3 januari 2027");
  EXPECT_EQ(weeks_in_words(week("2026-W40"), week("2026-W47"), scoring::locale::en), "28 September – 22 November 2026");
  EXPECT_EQ(weeks_in_words(week("2026-W40"), week("2026-W47"), scoring::locale::nl),
            "weken 40–47, 28 september – 22 november 2026");
  EXPECT_EQ(weeks_in_words(week("2026-W47"), week("2026-W47"), scoring::locale::en), "16–22 November 2026");
}

TEST(wording, sparkline_marks_suppressed_weeks_and_scales) {
  std::vector<scoring::trend_point> trend(3);
  trend[0].score = {true, 40.0, 0, 0, 5};
  trend[2].score = {true, 60.0, 0, 0, 5};
  EXPECT_EQ(sparkline(trend), "▁·█");
  EXPECT_EQ(spoken_trend(trend, scoring::locale::en), "scores by week, oldest first: 40, not shown, 60");
  EXPECT_EQ(spoken_trend(trend, scoring::locale::nl), "scores per week, oudste eerst: 40, niet getoond, 60");
}

TEST(help, names_the_configured_minimum_and_what_the_instrument_is) {
  for (const auto lang : {scoring::locale::en, scoring::locale::nl}) {
    const auto text = help_view(lang, bare_words, false, 7).fallback_text;
    const auto all = help_view(lang, bare_words, false, 7);
    std::string shown;
    for (const auto& b : all.blocks) {
      shown += b.text + "\n";
      for (const auto& item : b.items) shown += item + "\n";
    }
    EXPECT_NE(text.find("Kotler"), std::string::npos) << text;
    EXPECT_NE(text.find(lang == scoring::locale::en ? "not the article's questionnaire" : "niet de vragenlijst"), std::string::npos);
    EXPECT_NE(shown.find(lang == scoring::locale::en ? "at least 7 people" : "minstens 7 mensen"), std::string::npos) << shown;
  }
}

// Commands are named as each platform types them: a Slack workspace reads "/smrel status", a
// Teams one (no phrasing given) the bare words; the cached status views follow the workspace.
class prefixed_phrasing final : public domain::command_phrasing {
 public:
  std::string command(std::string_view words) const override { return "/x " + std::string(words); }
};

TEST_F(engine_test, every_command_named_in_a_reply_is_phrased_for_the_readers_platform) {
  domain::manual_clock clock{t0};
  config::settings settings;
  settings.admins = {"UADMIN"};
  auto opts = options_from(settings).phrase_commands(platform::slack, std::make_shared<prefixed_phrasing>());
  opts.on(platform::slack).pulses_sent_by_dm = true;
  chat_bot bot(*store_, pseudonyms_, clock, std::move(opts));
  const workspace_ref tenant{platform::teams, "tenant-1"};
  const auto text_of = [&](const workspace_ref& w, const std::string& user, const std::string& command) {
    return domain::plain_text(bot.on_command({{w, user}, command, {w.on, "C1"}, "", ""}).reply);
  };
  // (First: asking someone new for their pulse makes the workspace's cached status stale.)
  EXPECT_NE(text_of(tenant, "U2", "pulse").find("Tip: join sales|marketing|leadership so"), std::string::npos);
  for (const auto* command : {"help", "status", "join finance", "optout", "digest"}) {
    const auto slack = text_of(acme, "U1", command);
    const auto teams = text_of(tenant, "U1", command);
    EXPECT_NE(slack.find("/x "), std::string::npos) << command << ": " << slack;
    EXPECT_EQ(teams.find("/x "), std::string::npos) << command << ": " << teams;
    EXPECT_EQ(teams.find('{'), std::string::npos) << command << ": " << teams;
  }
  EXPECT_NE(text_of(tenant, "U1", "help").find("\npulse — answer this week's statements"), std::string::npos);
  EXPECT_NE(text_of(acme, "UADMIN", "help").find("/x digest here — post it"), std::string::npos);
  // Cached per workspace: the Teams status is not the Slack one.
  const auto slack_status = bot.cached_status({{acme, "U1"}, "status", {platform::slack, "C1"}, "", ""});
  const auto teams_status = bot.cached_status({{tenant, "U1"}, "status", {platform::teams, "C1"}, "", ""});
  ASSERT_TRUE(slack_status && teams_status);
  EXPECT_NE(slack_status->fallback_text.find("/x pulse"), std::string::npos) << slack_status->fallback_text;
  EXPECT_NE(teams_status->fallback_text.find("with pulse."), std::string::npos) << teams_status->fallback_text;
}

TEST(answer_buttons, round_trip_statements_and_follow_ups_and_refuse_anything_else) {
  const auto statement = parse_answer_button(answer_button_value(12, 3, 5));
  ASSERT_TRUE(statement);
  EXPECT_EQ(statement->pulse_id, 12);
  EXPECT_EQ(statement->item, 3);
  EXPECT_EQ(statement->follow_up, 0);
  EXPECT_EQ(statement->value, 5);
  const auto follow_up = parse_answer_button(follow_up_button_value(12, 345, 2));
  ASSERT_TRUE(follow_up);
  EXPECT_EQ(follow_up->pulse_id, 12);
  EXPECT_EQ(follow_up->follow_up, 345);
  EXPECT_EQ(follow_up->value, 2);
  const auto cannot_judge = parse_answer_button(answer_button_value(12, 23, scoring::dont_know));
  ASSERT_TRUE(cannot_judge);
  EXPECT_EQ(cannot_judge->item, 23);
  EXPECT_EQ(cannot_judge->value, scoring::dont_know);
  for (const auto* forged : {"p12.n0.3", "p12.n.3", "p12.nx1.3", "p12.n34.7", "p12.n34.0", "p0.q01.3", "p.q01.3",
                             "p12.q25.3", "p12.q01.7", "p12.q1.3", "p12.q01.33", "x12.q01.3", "p12..3", "p12.q01.", "p-1.q01.3",
                             "p12.n9999999999999999999.3", "p12.q01.3.4"}) {
    EXPECT_FALSE(parse_answer_button(forged)) << forged;
  }
}

// Signed requests name any workspace and user they like; 80,000 team ids once cost 287 MiB.
TEST_F(engine_test, per_workspace_and_per_person_caches_stay_bounded_and_never_serve_stale_figures) {
  domain::manual_clock clock{t0};
  config::settings settings;
  settings.survey.min_group_size = 3;
  chat_bot bot(*store_, pseudonyms_, clock, options_from(settings));
  const auto status_in = [&](const std::string& team, const std::string& user) {
    return bot.on_command({{{platform::slack, team}, user}, "status", {platform::slack, "C1"}, "", ""});
  };
  for (int i = 0; i < 1'500; ++i) status_in("T" + std::to_string(i), "U1");
  for (int i = 0; i < 120'000; ++i) bot.invalidate({platform::slack, "TV" + std::to_string(i)});
  auto sizes = bot.cached();
  EXPECT_LE(sizes.summaries, chat_bot::max_cached_summaries);
  EXPECT_LE(sizes.versions, chat_bot::max_cached_versions);
  EXPECT_GT(sizes.summaries, 0U);

  // A summary cached before the version map was cleared must not pass for current afterwards.
  add_people(scoring::group::sales, 3, 5, 4);
  const domain::chat_command acme_status{{acme, "sales0"}, "status", {platform::slack, "C1"}, "", ""};
  bot.on_command(acme_status);  // cached, with the three answers
  add_people(scoring::group::marketing, 3, 5, 2);
  bot.invalidate(acme);
  for (int i = 0; i < 120'000; ++i) bot.invalidate({platform::slack, "TW" + std::to_string(i)});  // clears versions_
  EXPECT_EQ(bot.cached_status(acme_status), nullptr);  // stale: rebuilt on the next request
  const auto fresh = bot.on_command(acme_status);
  EXPECT_NE(fresh.reply.fallback_text.find("6"), std::string::npos) << fresh.reply.fallback_text;
}

TEST_F(engine_test, admins_are_the_configured_ones_and_the_workspaces_own) {
  domain::manual_clock clock{t0};
  config::settings settings;
  settings.admins = {"UGLOBAL"};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(settings));
  const auto digest_by = [&](const workspace_ref& w, const std::string& user) {
    return domain::plain_text(bot.on_command({{w, user}, "digest", {w.on, "C1"}, "", ""}).reply);
  };
  const auto refused = [](const std::string& text) { return text.find("Only admins") != std::string::npos; };
  EXPECT_FALSE(refused(digest_by(acme, "UGLOBAL")));
  EXPECT_TRUE(refused(digest_by(acme, "ULOCAL")));
  store_->set_admins(acme, {"ULOCAL"}, t0);  // say, by another replica
  EXPECT_FALSE(refused(digest_by(acme, "ULOCAL")));
  EXPECT_TRUE(refused(digest_by({platform::slack, "T0OTHER"}, "ULOCAL")));  // admins of acme only
}

TEST_F(engine_test, digest_here_makes_the_conversation_the_workspaces_digest_target) {
  domain::manual_clock clock{t0};
  config::settings settings;
  settings.admins = {"UADMIN"};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(settings));
  const domain::conversation_ref leaders{platform::slack, "CLEADERS"};
  const auto result = bot.on_command({{acme, "UADMIN"}, "digest here", leaders, "", ""});
  ASSERT_EQ(result.posts.size(), 1U);
  EXPECT_EQ(result.posts[0].where, leaders);
  ASSERT_TRUE(result.posts[0].if_bot_absent);  // what to tell the admin should the bot not be there
  EXPECT_NE(result.posts[0].if_bot_absent->fallback_text.find("digest here"), std::string::npos);
  const auto installed = store_->find_installation(acme);
  ASSERT_TRUE(installed);
  EXPECT_EQ(installed->digest_target, leaders);

  // Once the week's digest is queued for that channel (the dispatcher commits it under its key),
  // asking again posts nothing and says why, with how to see it now.
  storage::outbox_message row;
  row.kind = storage::outbox_kind::post;
  row.address = leaders.address;
  row.content = "{}";
  row.dedupe_key = result.posts[0].dedupe_key;
  row.next_attempt_at = clock.now();
  store_->enqueue(row, clock.now());
  const auto again = bot.on_command({{acme, "UADMIN"}, "digest here", leaders, "", ""});
  EXPECT_TRUE(again.posts.empty());
  EXPECT_NE(again.reply.fallback_text.find("already posted here"), std::string::npos) << again.reply.fallback_text;
  // Another channel is another digest.
  EXPECT_EQ(bot.on_command({{acme, "UADMIN"}, "digest here", {platform::slack, "COTHER"}, "", ""}).posts.size(), 1U);
}

// A scheduled digest that cannot be posted is told to every admin (the workspace's own and the
// global ones, each once), in their language, with what to do about it.
TEST_F(engine_test, an_undelivered_digest_is_told_to_each_admin_in_their_language_with_what_to_do) {
  domain::manual_clock clock{t0};
  config::settings settings;
  settings.admins = {"UGLOBAL", "ULOCAL"};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(settings));
  store_->set_admins(acme, {"ULOCAL", "UNL"}, t0);
  store_->upsert_member({acme, "UNL"}, scoring::locale::nl, t0);
  const domain::conversation_ref leaders{platform::slack, "CLEADERS"};
  const auto notes = bot.digest_undelivered(acme, leaders, week48, {true, "not_in_channel"});
  ASSERT_EQ(notes.size(), 3U);
  std::vector<std::string> told;
  for (const auto& n : notes) told.push_back(n.to.user);
  EXPECT_EQ(told, (std::vector<std::string>{"ULOCAL", "UNL", "UGLOBAL"}));
  const auto english = domain::plain_text(notes[0].message);
  EXPECT_NE(english.find("23–29 November 2026"), std::string::npos) << english;
  EXPECT_NE(english.find("not in that conversation"), std::string::npos) << english;  // bare-words phrasing: no /invite
  EXPECT_NE(english.find("digest here"), std::string::npos) << english;
  EXPECT_NE(english.find("CLEADERS"), std::string::npos) << english;
  EXPECT_NE(english.find("not_in_channel"), std::string::npos) << english;
  const auto dutch = domain::plain_text(notes[1].message);
  EXPECT_NE(dutch.find("kon niet"), std::string::npos) << dutch;
  EXPECT_NE(notes[0].dedupe_key, notes[1].dedupe_key);
  EXPECT_NE(notes[0].dedupe_key.find("2026-W48"), std::string::npos);

  const auto other =
      domain::plain_text(bot.digest_undelivered(acme, leaders, week48, {false, "msg_too_long"})[0].message);
  EXPECT_EQ(other.find("not in that"), std::string::npos) << other;
  EXPECT_NE(other.find("try again"), std::string::npos) << other;
}

// The demo showed "33 of 45 (73%)" where four people Slack could not reach stayed counted as
// asked. Now they are left out of "asked", said in the status, and not asked again until they
// act (join) again.
TEST_F(engine_test, people_the_platform_cannot_reach_are_not_asked_and_the_status_says_how_many) {
  domain::manual_clock clock{t0};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(config::settings{}));
  const auto say = [&](const std::string& user, const std::string& words) {
    return domain::plain_text(bot.on_command({{acme, user}, words, {acme.on, "C1"}, "", ""}).reply);
  };
  for (const auto* user : {"U1", "U2", "U3"}) say(user, "join sales");
  const auto first = bot.open_weekly_pulse(acme);
  ASSERT_EQ(first.size(), 3U);
  bot.person_unreachable({acme, "U3"}, first[0].pulse_id);
  EXPECT_FALSE(bot.pulse_dm({acme, "U3"}, first[0].pulse_id)) << "a DM queued before is not sent";
  EXPECT_TRUE(bot.pulse_dm({acme, "U1"}, first[0].pulse_id));
  const auto status = say("U1", "status");
  EXPECT_NE(status.find("This week: 0 of 2 (0%)"), std::string::npos) << status;
  EXPECT_NE(status.find("1 person who cannot be reached (deactivated or gone) is not asked"), std::string::npos)
      << status;

  clock.advance(days{7});
  const auto second = bot.open_weekly_pulse(acme);
  ASSERT_EQ(second.size(), 2U);
  for (const auto& r : second) EXPECT_NE(r.who.user, "U3");
  say("U3", "join sales");  // back, and asked again
  clock.advance(days{7});
  EXPECT_EQ(bot.open_weekly_pulse(acme).size(), 3U);
  EXPECT_EQ(say("U1", "status").find("cannot be reached"), std::string::npos);
}

// A person who removes the app from their own chat with the bot (Teams) is not asked from this
// week's pulse on, nor written to, until they add it again; nothing of theirs is erased.
TEST_F(engine_test, a_person_who_removed_the_app_is_not_asked_until_they_add_it_again) {
  domain::manual_clock clock{t0};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(config::settings{}));
  const auto say = [&](const std::string& user, const std::string& words) {
    return domain::plain_text(bot.on_command({{acme, user}, words, {acme.on, "C1"}, "", ""}).reply);
  };
  for (const auto* user : {"U1", "U2", "U3"}) say(user, "join sales");
  const member_key gone{acme, "U3"};
  store_->remember_direct_conversation(gone, {acme.on, "D3"});
  ASSERT_EQ(bot.open_weekly_pulse(acme).size(), 3U);
  bot.person_removed_app(gone);
  EXPECT_FALSE(store_->find_direct_conversation(gone));
  ASSERT_TRUE(store_->find_member(gone));
  const auto status = say("U1", "status");
  EXPECT_NE(status.find("This week: 0 of 2 (0%)"), std::string::npos) << "their DM no longer counts: " << status;
  EXPECT_NE(status.find("1 person who cannot be reached"), std::string::npos) << status;

  clock.advance(days{7});
  ASSERT_EQ(bot.open_weekly_pulse(acme).size(), 2U);
  EXPECT_FALSE(bot.person_added_app({acme, "U9"})) << "adding the app enrols nobody";
  EXPECT_FALSE(store_->find_member({acme, "U9"}));
  EXPECT_TRUE(bot.person_added_app(gone));
  EXPECT_FALSE(bot.person_added_app(gone)) << "back already";
  EXPECT_EQ(store_->find_member(gone)->group, scoring::group::sales);
  EXPECT_EQ(say("U1", "status").find("cannot be reached"), std::string::npos);
  clock.advance(days{7});
  EXPECT_EQ(bot.open_weekly_pulse(acme).size(), 3U);
}

// The target stays: cleared, the digest would stop without a word; kept, its next post fails and
// the admins are told what to do (a_scheduled_digest_that_cannot_be_posted_is_told_to_the_admins…).
TEST_F(engine_test, the_bot_leaving_the_digest_target_is_known_and_the_target_kept) {
  domain::manual_clock clock{t0};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(config::settings{}));
  const domain::conversation_ref leaders{platform::slack, "CLEADERS"};
  EXPECT_FALSE(bot.bot_left(acme, {leaders})) << "no target yet";
  store_->set_digest_target(acme, leaders, t0);
  EXPECT_FALSE(bot.bot_left(acme, {{platform::slack, "COTHER"}}));
  EXPECT_FALSE(bot.bot_left({platform::slack, "T0OTHER"}, {leaders}));
  EXPECT_EQ(store_->find_installation(acme)->digest_target, leaders);
  EXPECT_TRUE(bot.bot_left(acme, {{platform::slack, "COTHER"}, leaders}));
  EXPECT_EQ(store_->find_installation(acme)->digest_target, leaders);
}

// A Slack Connect external's click was counted like a colleague's. The company's figures are its
// own people's: refused, and said why.
TEST_F(engine_test, a_click_from_another_organisation_is_never_counted) {
  domain::manual_clock clock{t0};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(config::settings{}));
  bot.on_command({{acme, "U1"}, "join sales", {acme.on, "C1"}, "", ""});
  const auto sent = bot.open_weekly_pulse(acme);
  ASSERT_EQ(sent.size(), 1U);
  const auto delivery = store_->find_delivery(sent[0].pulse_id, store_->find_member({acme, "U1"})->id);
  ASSERT_TRUE(delivery);
  domain::button_click click;
  click.who = {acme, "U1"};
  click.action = "answer";
  click.value = answer_button_prefix(sent[0].pulse_id, delivery->items[0]) + "4";
  EXPECT_TRUE(bot.on_answer_click(click).accepted());
  click.from_elsewhere = true;
  const auto refused = bot.on_answer_click(click);
  EXPECT_FALSE(refused.accepted());
  EXPECT_NE(refused.refusal.fallback_text.find("another organisation"), std::string::npos)
      << refused.refusal.fallback_text;
}

// A guest's click was stored and counted like a member's. Once the platform says who someone is,
// a guest's answers are erased, their clicks refused, their pulse command says why, and they leave
// the weekly pulse.
TEST_F(engine_test, a_guest_found_by_a_look_up_is_not_asked_and_their_clicks_do_not_count) {
  domain::manual_clock clock{t0};
  chat_bot bot(*store_, pseudonyms_, clock, options_from(config::settings{}));
  const auto say = [&](const std::string& user, const std::string& words) {
    return domain::plain_text(bot.on_command({{acme, user}, words, {acme.on, "C1"}, "", ""}).reply);
  };
  say("U1", "join sales");
  say("U2", "join marketing");
  const auto sent = bot.open_weekly_pulse(acme);
  ASSERT_EQ(sent.size(), 2U);
  const auto before = *store_->find_member({acme, "U2"});
  const auto delivery = store_->find_delivery(sent[0].pulse_id, before.id);
  ASSERT_TRUE(delivery);
  domain::button_click click;
  click.who = {acme, "U2"};
  click.action = "answer";
  click.value = answer_button_prefix(sent[0].pulse_id, delivery->items[0]) + "4";
  const auto answered = bot.on_answer_click(click);
  ASSERT_TRUE(answered.accepted());
  store_->store_answers(std::span(&*answered.answer, 1));

  const auto told = bot.person_looked_up({acme, "U2"}, {domain::person_kind::guest, false});
  ASSERT_TRUE(told);
  EXPECT_NE(told->fallback_text.find("You are a guest in this workspace"), std::string::npos) << told->fallback_text;
  EXPECT_NE(told->fallback_text.find("the answers you gave were erased"), std::string::npos) << told->fallback_text;
  const auto week = store_->find_pulse(sent[0].pulse_id)->week;
  EXPECT_TRUE(store_->answers(acme, week, week).empty());
  EXPECT_TRUE(bot.person_looked_up({acme, "U2"}, {domain::person_kind::guest, false}))
      << "said again; the caller's dedupe key sends it once";
  EXPECT_FALSE(bot.person_looked_up({acme, "U0DEMO001"}, {domain::person_kind::guest, false})) << "demo people";

  const auto refused = bot.on_answer_click(click);
  EXPECT_FALSE(refused.accepted());
  EXPECT_NE(refused.refusal.fallback_text.find("guests are not asked and their answers do not count. Nothing was stored."),
            std::string::npos)
      << refused.refusal.fallback_text;
  EXPECT_NE(say("U2", "pulse").find("guests are not asked"), std::string::npos);
  EXPECT_FALSE(bot.pulse_dm({acme, "U2"}, sent[0].pulse_id));
  const auto status = say("U1", "status");
  EXPECT_NE(status.find("This week: 0 of 1 (0%)"), std::string::npos) << status;
  EXPECT_NE(status.find("1 person who joined is a guest, from another organisation or an app: not asked or counted"),
            std::string::npos)
      << status;
  clock.advance(days{7});
  const auto next = bot.open_weekly_pulse(acme);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].who.user, "U1");

  // A person after all (say, made a full member): asked again, and not told anything.
  EXPECT_FALSE(bot.person_looked_up({acme, "U2"}, {domain::person_kind::person, false}));
  clock.advance(days{7});
  EXPECT_EQ(bot.open_weekly_pulse(acme).size(), 2U);
}

}  // namespace
}  // namespace smrel::engine
