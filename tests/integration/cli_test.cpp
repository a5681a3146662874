// Runs the real `smrel` executable, as a user or a script would.
#include <gtest/gtest.h>
#include <cmath>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel {
namespace {

using testing::run_command;

// A clean environment: nothing from the developer's shell leaks into the result.
std::string smrel(const std::string& args, const std::string& env = "") {
  return "env -i PATH=/usr/bin:/bin " + env + " " SMREL_BINARY " " + args;
}

const std::string fixtures = SMREL_FIXTURES;

TEST(cli_score, scores_the_fixture_exactly) {
  const auto r = run_command(smrel("score --csv " + fixtures + "/survey_small.csv --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  // q01: sales 5,4,3,5,4,4 (s1's later 5 wins), marketing 2,3,2,3,2,3 → 40/12; q05: 42/12.
  // Published figures are rounded: scores to whole points, means to tenths.
  EXPECT_EQ(doc["score"], std::lround(20.0 * (40.0 / 12 + 3.5) / 2));  // 68.33
  EXPECT_EQ(doc["stage"], "Aligned");
  EXPECT_EQ(doc["respondents"], 12);
  EXPECT_EQ(doc["as_of"], "2026-W11");
  EXPECT_LT(doc["ci_low"].get<double>(), doc["score"].get<double>());
  EXPECT_GT(doc["ci_high"].get<double>(), doc["score"].get<double>());
  EXPECT_EQ(doc["groups"]["sales"]["score"], std::lround(20.0 * (25.0 / 6 + 3.0) / 2));  // 71.67
  EXPECT_EQ(doc["groups"]["marketing"]["score"], 65);
  EXPECT_EQ(doc["groups"]["sales"]["respondents"], 6);
  EXPECT_TRUE(doc["groups"]["leadership"]["suppressed"].get<bool>());
  const auto& kpis = doc["dimensions"][3];
  EXPECT_EQ(kpis["id"], "shared_kpis_funnel");
  EXPECT_EQ(kpis["mean"].dump(), "3.3");  // 40 / 12, printed as shown
  EXPECT_EQ(kpis["sales_mean"].dump(), "4.2");
  EXPECT_EQ(kpis["marketing_mean"].dump(), "2.5");
  EXPECT_EQ(kpis["gap"].dump(), "1.7");
  EXPECT_EQ(kpis["sales_respondents"], 6);
  EXPECT_EQ(kpis["marketing_respondents"], 6);
  EXPECT_EQ(kpis["gap_verdict"], "gap");
  EXPECT_GE(kpis["gap_ci_low"].get<double>(), 0.0);  // clear of zero (rounded outwards)
  const auto& feedback = doc["dimensions"][2];
  EXPECT_EQ(feedback["id"], "feedback_loops");
  EXPECT_EQ(feedback["gap"].dump(), "-1.0");
  ASSERT_EQ(doc["trend"].size(), 2U);
  EXPECT_EQ(doc["trend"][0]["week"], "2026-W10");
  EXPECT_EQ(doc["trend"][0]["score"], 65);
  EXPECT_EQ(doc["trend"][0]["respondents"], 12);
  EXPECT_FALSE(doc["nudges"].empty());
  EXPECT_EQ(doc["nudges"][0]["why"].get<std::string>().rfind("Sales rates Shared KPIs & funnel 4.2, Marketing 2.5", 0), 0U);
}

TEST(cli_score, options_change_window_as_of_and_suppression) {
  auto r = run_command(smrel("score --csv - --json --as-of 2026-W10 < " + fixtures + "/survey_small.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_NEAR(doc["score"].get<double>(), 65.0, 1e-9);

  r = run_command(smrel("score --csv " + fixtures + "/survey_small.csv --json --min-group 7"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  doc = nlohmann::json::parse(r.out);
  EXPECT_FALSE(doc["score"].is_null());  // 12 people overall
  EXPECT_TRUE(doc["groups"]["sales"]["suppressed"].get<bool>());  // 6 < 7
  EXPECT_TRUE(doc["dimensions"][3]["sales_mean"].is_null());

  r = run_command(smrel("score --csv " + fixtures + "/survey_small.csv --json --min-group 13"));
  doc = nlohmann::json::parse(r.out);
  EXPECT_TRUE(doc["score"].is_null());
  EXPECT_TRUE(doc["suppressed"].get<bool>());
  EXPECT_TRUE(doc["nudges"].empty());

  r = run_command(smrel("score --csv " + fixtures + "/survey_small.csv --json --window 1"));
  doc = nlohmann::json::parse(r.out);
  EXPECT_NEAR(doc["score"].get<double>(), 20.0 * (5.0 + 3.5) / 2, 1e-9);  // only s1's q01 in W11
  EXPECT_TRUE(doc["dimensions"][3]["mean"].is_null());  // one person behind q01 this week
}

TEST(cli_score, bad_rows_are_refused_with_line_numbers) {
  const auto r = run_command(smrel("score --csv " + fixtures + "/survey_bad.csv --json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("survey_bad.csv:3: value \"7\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("survey_bad.csv:4: group \"finance\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("survey_bad.csv:5: week \"2026-W99\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 bad row(s)"), std::string::npos) << r.err;
}

TEST(cli_score, usage_errors_exit_2) {
  EXPECT_EQ(run_command(smrel("score --csv " + fixtures + "/survey_small.csv --min-group 2")).exit_code, 2);
  EXPECT_EQ(run_command(smrel("score --csv " + fixtures + "/survey_small.csv --as-of 2026-11")).exit_code, 2);
  EXPECT_EQ(run_command(smrel("score")).exit_code, 2);
  EXPECT_EQ(run_command(smrel("frobnicate")).exit_code, 2);
  EXPECT_EQ(run_command(smrel("score --csv /nonexistent.csv")).exit_code, 1);
}

TEST(cli_score, human_readable_output_without_json) {
  const auto r = run_command(smrel("score --csv " + fixtures + "/survey_small.csv --locale nl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Fase: Afgestemd"), std::string::npos) << r.out;
}

TEST(cli, every_subcommand_has_help) {
  for (const auto* sub : {"serve", "migrate", "demo", "check-config", "export", "score"}) {
    const auto r = run_command(smrel(std::string(sub) + " --help"));
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << r.out;
  }
}

TEST(cli, demo_then_export_then_score_reproduces_the_status) {
  testing::temp_dir dir;
  const auto env = "SMREL_DB=sqlite:" + dir.file("smrel.db") + " SMREL_PSEUDONYM_KEY=" + std::string(40, 'k');
  auto r = run_command(smrel("demo --workspace T0TEST", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("/smrel status"), std::string::npos);
  EXPECT_NE(r.out.find("Weekly digest"), std::string::npos);
  EXPECT_NE(r.out.find("Largest gap"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("What to do next"), std::string::npos);

  r = run_command(smrel("export --answers | " + smrel("score --csv - --json", env), env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  char score[16];
  std::snprintf(score, sizeof score, "score %.0f (", doc["score"].get<double>());
  const auto status = run_command(smrel("demo --workspace T0TEST", env)).out;
  EXPECT_NE(status.find(std::string("Stage: ") + doc["stage_shown"].get<std::string>()), std::string::npos) << status << r.out;
  EXPECT_NE(status.find(score), std::string::npos) << status << r.out;

  r = run_command(smrel("export", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("week,group,dimension,", 0), 0U);

  r = run_command(smrel("migrate", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("applied 0 migrations"), std::string::npos) << r.out;
}

TEST(cli, check_config_names_bad_fields_and_redacts_secrets) {
  auto r = run_command(smrel("check-config", "SMREL_SLACK_SIGNING_SECRET=topsecretvalue SMREL_LISTEN=nope"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: http.listen"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("topsecretvalue"), std::string::npos);
  r = run_command(smrel("check-config", "SMREL_DB=postgres://smrel:hunter2pw@db.internal/smrel?password=hunter3pw "
                                         "SMREL_SLACK_API_BASE=https://u:apipw@slack.test/api"));
  EXPECT_EQ(r.out.find("hunter2pw"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter3pw"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("apipw"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("postgres://smrel:***@db.internal/smrel"), std::string::npos) << r.out;
  r = run_command(smrel("check-config"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

}  // namespace
}  // namespace smrel
