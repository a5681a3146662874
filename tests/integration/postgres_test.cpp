// smrel on PostgreSQL end to end, against the test process's throwaway server
// (tests/support/postgres_server.hpp): the real `smrel` executable's migrate, demo, export, score
// and serve, and one signed Slack click through the real server, stored on PostgreSQL.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using json = nlohmann::json;
using testing::run_command;

// trust authentication accepts any password: it is here to prove it never reaches the output.
constexpr const char* password = "pw-s3cret-4711";

std::string database_with_password() {
  auto& server = testing::postgres_server::shared();
  const auto url = server.create_database();  // postgresql://smrel@127.0.0.1:PORT/NAME?…
  return "postgresql://smrel:" + std::string(password) + "@" + url.substr(url.find('@') + 1);
}

// A clean environment: nothing from the developer's shell leaks into the result.
std::string smrel(const std::string& database, const std::string& args) {
  return "env -i PATH=/usr/bin:/bin SMREL_CONFIG= SMREL_DB='" + database + "' SMREL_PSEUDONYM_KEY=" +
         std::string(40, 'k') + " " SMREL_BINARY " " + args;
}

void expect_no_password(const testing::command_result& r) {
  EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(password), std::string::npos) << r.err;
}

TEST(postgres_cli, migrate_demo_export_score_and_serve) {
  const auto database = database_with_password();

  auto r = run_command(smrel(database, "migrate"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("schema version 13"), std::string::npos) << r.out;
  expect_no_password(r);

  r = run_command(smrel(database, "check-config"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_no_password(r);

  r = run_command(smrel(database, "demo --workspace T0DEMO"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_no_password(r);

  r = run_command(smrel(database, "export --answers") + " | " + smrel(database, "score --csv - --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto scored = json::parse(r.out);
  EXPECT_GT(scored["respondents"].get<int>(), 20) << r.out;
  EXPECT_TRUE(scored["score"].is_number()) << r.out;

  r = run_command(smrel(database, "export"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  expect_no_password(r);

  testing::temp_dir logs;
  testing::child_process serve(SMREL_BINARY, {"serve"},
                               {"SMREL_CONFIG=", "SMREL_DB=" + database, "SMREL_PSEUDONYM_KEY=" + std::string(40, 'k'),
                                "SMREL_LISTEN=127.0.0.1:0", "SMREL_LOG_LEVEL=info"},
                               logs.file("serve.log"));
  const auto line = serve.read_line();  // "smrel listening on 127.0.0.1:PORT"
  ASSERT_NE(line.find("listening"), std::string::npos) << line;
  const auto port = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
  const auto ready = testing::http_call(port, "GET", "/readyz", "", {});
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(serve.kill(SIGTERM), 0);
  const auto log = run_command("cat " + logs.file("serve.log"));
  EXPECT_EQ(log.out.find(password), std::string::npos) << log.out;
}

TEST(postgres_server_app, a_signed_click_is_acknowledged_once_stored_on_postgres) {
  const auto database = testing::postgres_server::shared().create_database();
  testing::slack_harness h([&](config::settings& s, service::server_options&, testing::offset_clock&) { s.database = database; });
  const auto pulse = json::parse(h.command("U1", "pulse").body);
  const auto buttons = testing::buttons_of(pulse);
  ASSERT_EQ(buttons.size(), 24U) << pulse.dump();
  EXPECT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first").status, 200);
  const auto week = scoring::iso_week::containing(h.clock().now());
  const auto stored = h.store().answers({domain::platform::slack, testing::test_team}, week, week);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].value, 4);
  EXPECT_EQ(h.store().schema_version(), h.store().latest_schema_version());
}

}  // namespace
}  // namespace smrel
