#include "config/load.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/support/temp_dir.hpp"

namespace smrel::config {
namespace {

environment env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

bool has_problem(const load_result& r, std::string_view field) {
  for (const auto& p : r.problems) {
    if (p.field == field) return true;
  }
  return false;
}

TEST(config, defaults_are_valid_and_match_the_design) {
  const auto r = load(env_of({}));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.source, "defaults");
  EXPECT_EQ(r.values.http.listen, "127.0.0.1:8080");
  EXPECT_EQ(r.values.database, "sqlite:./smrel.db");
  EXPECT_EQ(r.values.slack.api_base, "https://slack.com/api");
  EXPECT_EQ(r.values.slack.response_hosts, std::vector<std::string>{"hooks.slack.com"});
  EXPECT_EQ(r.values.survey.window_weeks, 8);
  EXPECT_EQ(r.values.survey.min_group_size, 5);
  EXPECT_EQ(r.values.http.max_body_bytes, 1024U * 1024U);
  EXPECT_EQ(r.values.retention.days_after_removal, 30);
  EXPECT_FALSE(r.warnings.empty());  // no pseudonym key
}

TEST(config, environment_overrides_every_documented_variable) {
  const auto r = load(env_of({{"SMREL_LISTEN", "[::1]:0"},
                              {"SMREL_DB", "sqlite:/tmp/x.db"},
                              {"SMREL_SLACK_SIGNING_SECRET", "s3cr3t"},
                              {"SMREL_SLACK_BOT_TOKEN", "xoxb-1"},
                              {"SMREL_SLACK_API_BASE", "http://127.0.0.1:9999/api"},
                              {"SMREL_SLACK_RESPONSE_HOSTS", "127.0.0.1:9999, hooks.slack.com"},
                              {"SMREL_ADMINS", "U1,U2"},
                              {"SMREL_TEAMS_APP_ID", "app"},
                              {"SMREL_TEAMS_APP_PASSWORD", "pw"},
                              {"SMREL_TEAMS_OPENID_URL", "http://127.0.0.1:1/openid"},
                              {"SMREL_TEAMS_TOKEN_URL", "http://127.0.0.1:1/token"},
                              {"SMREL_PSEUDONYM_KEY", std::string(40, 'k')},
                              {"SMREL_LOG_LEVEL", "debug"}}));
  ASSERT_TRUE(r.ok()) << r.problems[0].to_string();
  EXPECT_EQ(r.values.http.listen, "[::1]:0");
  EXPECT_EQ(r.values.database, "sqlite:/tmp/x.db");
  EXPECT_EQ(r.values.slack.signing_secret, "s3cr3t");
  EXPECT_EQ(r.values.slack.response_hosts, (std::vector<std::string>{"127.0.0.1:9999", "hooks.slack.com"}));
  EXPECT_EQ(r.values.admins, (std::vector<std::string>{"U1", "U2"}));
  EXPECT_EQ(r.values.teams.openid_url, "http://127.0.0.1:1/openid");
  EXPECT_EQ(r.values.log_level, "debug");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(config, file_then_environment_and_unknown_keys_are_errors) {
  testing::temp_dir dir;
  const auto path = dir.file("smrel.json");
  std::ofstream(path) << R"({"survey": {"window_weeks": 6, "min_group_size": 4}, "http": {"listen": "127.0.0.1:1"}})";
  auto r = load(env_of({{"SMREL_CONFIG", path}, {"SMREL_LISTEN", "127.0.0.1:2"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.source, path);
  EXPECT_EQ(r.values.survey.window_weeks, 6);
  EXPECT_EQ(r.values.http.listen, "127.0.0.1:2");

  std::ofstream(path) << R"({"survey": {"window_wekes": 6}, "extra": 1})";
  r = load(env_of({{"SMREL_CONFIG", path}}));
  EXPECT_TRUE(has_problem(r, "survey.window_wekes"));
  EXPECT_TRUE(has_problem(r, "extra"));
}

TEST(config, validation_names_the_field_and_says_why) {
  testing::temp_dir dir;
  const auto path = dir.file("bad.json");
  std::ofstream(path) << R"({"survey": {"min_group_size": 2, "pulse_day": "Funday", "pulse_time": "25:00",
                             "default_locale": "de", "timezone": "Europe/Atlantis"},
                             "http": {"listen": "localhost", "max_body_bytes": "big", "tls_cert_file": "c.pem"},
                             "database": "mysql://x", "database_pool_size": 0, "log_level": "loud", "pseudonym_key": "short",
                             "retention": {"days_after_removal": -1}})";
  const auto r = load(env_of({{"SMREL_CONFIG", path}}));
  ASSERT_FALSE(r.ok());
  for (const auto* field : {"survey.min_group_size", "survey.pulse_day", "survey.pulse_time", "survey.default_locale",
                            "survey.timezone", "http.listen", "http.max_body_bytes", "http.tls_cert_file", "database",
                            "database_pool_size", "log_level", "pseudonym_key", "retention.days_after_removal"}) {
    EXPECT_TRUE(has_problem(r, field)) << field;
  }
  for (const auto& p : r.problems) {
    if (p.field == "survey.min_group_size") {
      EXPECT_EQ(p.message, "must be at least 3 (the anonymity floor), got 2");
    }
  }
}

TEST(config, missing_or_malformed_file_is_reported) {
  auto r = load(env_of({{"SMREL_CONFIG", "/nonexistent/smrel.json"}}));
  EXPECT_TRUE(has_problem(r, "SMREL_CONFIG"));
  testing::temp_dir dir;
  std::ofstream(dir.file("x.json")) << "{not json";
  r = load(env_of({{"SMREL_CONFIG", dir.file("x.json")}}));
  EXPECT_TRUE(has_problem(r, "(file)"));
}

TEST(config, the_example_file_is_valid) {
  const auto r = load(env_of({{"SMREL_CONFIG", SMREL_SOURCE_DIR "/config/smrel.example.json"}}));
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0].to_string());
  EXPECT_EQ(r.values.survey.timezone, "Europe/Amsterdam");
}

}  // namespace
}  // namespace smrel::config
