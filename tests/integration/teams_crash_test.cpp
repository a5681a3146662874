// `kill -9` of a real `smrel serve` in the middle of a burst of Teams clicks (invoke
// adaptiveCard/action, answered with a card in the HTTP response): every click acknowledged with
// an answered card is in the database after the crash.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/views.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/teams_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::fake_teams;

using server_process = testing::serve_process;

// An activity as Teams posts it from person `p`'s personal chat.
json activity_of(const fake_teams& fake, int p, const std::string& type, int n) {
  const auto who = std::to_string(p);
  return json{{"type", type},
              {"id", std::to_string(1900000000000LL + p * 100000 + n)},
              {"serviceUrl", fake.service_url()},
              {"channelId", "msteams"},
              {"from", {{"id", testing::user_mri(who)}, {"aadObjectId", testing::aad_of(who)}}},
              {"conversation", {{"id", testing::personal_conversation(who)}, {"conversationType", "personal"}, {"tenantId", testing::teams_tenant}}},
              {"recipient", {{"id", std::string("28:") + testing::teams_app_id}}},
              {"channelData", {{"tenant", {{"id", testing::teams_tenant}}}}}};
}

testing::test_response post(unsigned short port, const json& activity, const std::string& token) {
  return testing::http_call(port, "POST", "/api/messages", activity.dump(),
                            {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}});
}

TEST(teams_crash, kill_9_during_a_click_burst_loses_no_acknowledged_answer) {
  testing::temp_dir dir;
  fake_teams fake;
  fake.expect_credentials(testing::teams_app_id, testing::teams_app_password);
  const std::vector<std::string> env{"SMREL_DB=sqlite:" + dir.file("smrel.db"),
                                     "SMREL_PSEUDONYM_KEY=" + std::string(40, 'k'),
                                     "SMREL_LISTEN=127.0.0.1:0",
                                     std::string("SMREL_TEAMS_APP_ID=") + testing::teams_app_id,
                                     std::string("SMREL_TEAMS_APP_PASSWORD=") + testing::teams_app_password,
                                     "SMREL_TEAMS_OPENID_URL=" + fake.openid_url(),
                                     "SMREL_TEAMS_TOKEN_URL=" + fake.token_url(),
                                     "SMREL_TEAMS_SERVICE_HOSTS=" + fake.host(),
                                     "SMREL_LOG_LEVEL=error",
                                     "SMREL_CONFIG="};
  testing::token_spec spec;
  spec.aud = testing::teams_app_id;
  spec.serviceurl = fake.service_url();
  const auto token = testing::token_minter::instance().token(spec);
  constexpr int people = 8;

  // Each person asks for their pulse; the buttons on its card are what they will click.
  auto first = std::make_unique<server_process>(env);
  std::vector<std::vector<testing::card_action>> buttons(people);
  for (int p = 0; p < people; ++p) {
    auto message = activity_of(fake, p, "message", 0);
    message["text"] = "pulse";
    const auto r = post(first->port(), message, token);
    ASSERT_TRUE(testing::is_2xx_status(r.status)) << r.status;
    const auto path = "/v3/conversations/" + testing::personal_conversation(std::to_string(p)) + "/activities/" + message["id"].get<std::string>();
    ASSERT_TRUE(fake.wait_for(fake_teams::to("POST", path), 1));
    buttons[p] = testing::buttons_named(testing::card_of(fake.connector_calls(fake_teams::to("POST", path)).front().json), "answer");
    ASSERT_GE(buttons[p].size(), 20U);
  }

  std::mutex mutex;
  std::map<std::string, std::string> last_acked;  // person/item → acknowledged button value
  std::map<std::string, std::string> in_flight;   // person → value being sent when killed
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clickers;
  for (int p = 0; p < people; ++p) {
    clickers.emplace_back([&, p] {
      for (int n = 1; !stop; ++n) {
        const auto& button = buttons[p][static_cast<std::size_t>(n * 7 % 20)];
        const auto value = button.data.value("value", "");
        auto click = activity_of(fake, p, "invoke", n);
        click["name"] = "adaptiveCard/action";
        click["value"] = {{"action", {{"type", "Action.Execute"}, {"verb", button.verb}, {"data", button.data}}}, {"trigger", "manual"}};
        {
          std::lock_guard lock(mutex);
          in_flight[std::to_string(p)] = value;
        }
        try {
          const auto r = post(first->port(), click, token);
          const auto body = json::parse(r.body, nullptr, false);
          if (r.status != 200 || !body.is_object() || body.value("statusCode", 0) != 200 ||
              body.value("type", "") != testing::adaptive_card_type || body["value"].dump().find("answered") == std::string::npos) {
            continue;
          }
        } catch (const std::exception&) {
          return;  // the server is gone
        }
        std::lock_guard lock(mutex);
        const auto parsed = engine::parse_answer_button(value);
        last_acked[std::to_string(p) + "/" + std::to_string(parsed ? parsed->item : 0)] = value;
        ++acked;
      }
    });
  }
  // Killed once the burst is well under way (however slow the build, e.g. under the sanitizers).
  for (int i = 0; i < 3000 && acked < 60; ++i) std::this_thread::sleep_for(10ms);
  first->kill(SIGKILL);
  stop = true;
  for (auto& t : clickers) t.join();
  first.reset();
  ASSERT_GE(acked.load(), 60);

  // Every acknowledged answer is there (or the person's in-flight click, which may have landed).
  auto store = storage::open_store("sqlite:" + dir.file("smrel.db"));
  const domain::pseudonymizer pseudonyms(std::string(40, 'k'));
  for (const auto& [key, value] : last_acked) {
    const auto who = key.substr(0, key.find('/'));
    const auto button = *engine::parse_answer_button(value);
    const auto stored = store->answers_by(pseudonyms.pseudonym(testing::teams_member(who)), button.pulse_id);
    const auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& a) { return a.item == button.item; });
    ASSERT_NE(it, stored.end()) << key;
    const auto stored_value = engine::answer_button_value(button.pulse_id, button.item, it->value);
    EXPECT_TRUE(stored_value == value || stored_value == in_flight[who]) << key << " " << stored_value << " vs " << value;
  }

  // The database opens again under a new server, which stops cleanly.
  server_process second(env);
  EXPECT_EQ(second.kill(SIGTERM), 0);
}

}  // namespace
}  // namespace smrel
