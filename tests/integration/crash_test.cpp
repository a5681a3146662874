// `kill -9` in the middle of a burst of clicks: no acknowledged answer may be lost, and on restart
// every queued message reaches Slack exactly once. Runs the real `smrel serve` as a process.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/views.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

using server_process = testing::serve_process;

TEST(crash, kill_9_during_a_click_burst_loses_no_acknowledged_answer) {
  testing::temp_dir dir;
  testing::fake_slack fake;
  fake.set_default(testing::fake_slack::scripted{503, "down", ""});  // everything stays queued
  const std::vector<std::string> env{"SMREL_DB=sqlite:" + dir.file("smrel.db"),
                                     "SMREL_PSEUDONYM_KEY=" + std::string(40, 'k'),
                                     "SMREL_LISTEN=127.0.0.1:0",
                                     std::string("SMREL_SLACK_SIGNING_SECRET=") + testing::test_secret,
                                     "SMREL_SLACK_BOT_TOKEN=xoxb-test",
                                     "SMREL_SLACK_API_BASE=" + fake.api_base(),
                                     "SMREL_SLACK_RESPONSE_HOSTS=127.0.0.1:" + std::to_string(fake.port()),
                                     "SMREL_LOG_LEVEL=error",
                                     "SMREL_CONFIG="};
  const testing::slack_signer sign;
  constexpr int people = 8;

  // Each person opens a pulse; their buttons are what they will click.
  auto first = std::make_unique<server_process>(env);
  std::vector<std::vector<std::pair<std::string, std::string>>> buttons(people);
  for (int p = 0; p < people; ++p) {
    const auto body = "team_id=T0TEST&user_id=U" + std::to_string(p) + "&channel_id=D1&command=%2Fsmrel&text=pulse";
    buttons[p] = testing::buttons_of(json::parse(sign.post(first->port(), "/slack/commands", body).body));
    ASSERT_EQ(buttons[p].size(), 24U);  // four statements × six answers
  }

  struct click_record {
    std::string value;  // p<pulse>.<item>.<v>
    std::string response_id;
  };
  std::mutex mutex;
  std::map<std::string, std::string> last_acked;    // person/item → acknowledged value
  std::map<std::string, std::string> in_flight;     // person → value being sent when killed
  std::set<std::string> acked_responses;            // response ids whose click was acknowledged
  std::atomic<bool> stop{false};
  std::vector<std::thread> clickers;
  for (int p = 0; p < people; ++p) {
    clickers.emplace_back([&, p] {
      for (int n = 0; !stop; ++n) {
        const auto& [action, value] = buttons[p][static_cast<std::size_t>(n * 7 % 20)];
        const auto response_id = std::to_string(p) + "-" + std::to_string(n);
        const json payload{{"type", "block_actions"},
                           {"team", {{"id", "T0TEST"}}},
                           {"user", {{"id", "U" + std::to_string(p)}, {"team_id", "T0TEST"}}},
                           {"response_url", fake.response_url(response_id)},
                           {"actions", {{{"action_id", action}, {"value", value}}}}};
        {
          std::lock_guard lock(mutex);
          in_flight["U" + std::to_string(p)] = value;
        }
        try {
          const auto r = sign.post(first->port(), "/slack/interactivity", "payload=" + adapters::slack::form_encode(payload.dump()));
          if (r.status != 200) continue;
        } catch (const std::exception&) {
          return;  // the server is gone
        }
        {
          std::lock_guard lock(mutex);
          const auto item = value.substr(value.find('.') + 1, 3);
          last_acked["U" + std::to_string(p) + "/" + item] = value;
          acked_responses.insert(response_id);
        }
        // A human pace per person keeps the queue short enough to drain quickly after the restart.
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  // Killed once the burst is well under way (however slow the build, e.g. under the sanitizers).
  const auto acked_so_far = [&] {
    std::lock_guard lock(mutex);
    return acked_responses.size();
  };
  for (int i = 0; i < 3000 && acked_so_far() < 60; ++i) std::this_thread::sleep_for(10ms);
  first->kill(SIGKILL);
  stop = true;
  for (auto& t : clickers) t.join();
  first.reset();
  ASSERT_GE(acked_responses.size(), 60U);

  // Every acknowledged answer is there (or the person's in-flight click, which may have landed).
  auto store = storage::open_store("sqlite:" + dir.file("smrel.db"));
  const domain::pseudonymizer pseudonyms(std::string(40, 'k'));
  for (const auto& [key, value] : last_acked) {
    const auto user = key.substr(0, key.find('/'));
    const auto item = *scoring::statement_index(key.substr(key.find('/') + 1));
    const auto pulse_id = std::stoll(value.substr(1, value.find('.') - 1));
    const auto stored = store->answers_by(pseudonyms.pseudonym({{domain::platform::slack, "T0TEST"}, user}), pulse_id);
    const auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& a) { return a.item == item; });
    ASSERT_NE(it, stored.end()) << key;
    const auto stored_value = engine::answer_button_value(pulse_id, static_cast<std::uint8_t>(item), it->value);
    EXPECT_TRUE(stored_value == value || stored_value == in_flight[user]) << key << " " << stored_value << " vs " << value;
  }

  // Restart with Slack back: every queued confirmation is delivered, each exactly once.
  const auto queued = store->outbox_depth();
  EXPECT_GE(queued, acked_responses.size());
  fake.set_default(std::nullopt);
  const auto failed_before = fake.delivered("/actions/").size();
  EXPECT_EQ(failed_before, 0U);
  server_process second(env);
  for (int i = 0; i < 600 && store->outbox_depth() > 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(store->outbox_depth(), 0U);
  const auto delivered = fake.delivered("/actions/");
  std::map<std::string, int> per_message;
  for (const auto& path : delivered) ++per_message[path];
  for (const auto& [path, count] : per_message) EXPECT_EQ(count, 1) << path;
  EXPECT_EQ(delivered.size(), queued);
  for (const auto& id : acked_responses) EXPECT_EQ(per_message["/actions/T1/" + id], 1) << id;
  EXPECT_EQ(second.kill(SIGTERM), 0);  // graceful: exit status 0
}

// A flood of refused requests (a slow-client run once wrote 11,584 flushed lines) is counted in
// full in /metrics, while the log keeps to its budget and says how much it left out.
TEST(crash, refusals_are_all_counted_but_their_log_lines_are_rate_limited) {
  testing::temp_dir dir;
  const std::vector<std::string> env{"SMREL_DB=sqlite:" + dir.file("smrel.db"),
                                     "SMREL_PSEUDONYM_KEY=" + std::string(40, 'k'),
                                     "SMREL_LISTEN=127.0.0.1:0",
                                     std::string("SMREL_SLACK_SIGNING_SECRET=") + testing::test_secret,
                                     "SMREL_LOG_LEVEL=warn",
                                     "SMREL_CONFIG="};
  const auto log = dir.file("smrel.log");
  server_process server(env, log);
  constexpr int forged = 400;
  for (int i = 0; i < forged; ++i) {
    const auto r = testing::http_call(server.port(), "POST", "/slack/commands", "team_id=T1&command=%2Fsmrel",
                                      {{"X-Slack-Request-Timestamp", "1"}, {"X-Slack-Signature", "v0=" + std::string(64, '0')}});
    ASSERT_EQ(r.status, 401);
  }
  const auto metrics = testing::http_call(server.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("smrel_http_refused_total{reason=\"bad_signature\"} " + std::to_string(forged)), std::string::npos)
      << metrics;
  server.kill(SIGTERM);
  std::ifstream in(log);
  int refusal_lines = 0;
  bool says_what_it_dropped = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"request_refused\"") == std::string::npos) continue;
    ++refusal_lines;
    if (line.find("\"similar_lines_dropped\":0") == std::string::npos) says_what_it_dropped = true;
  }
  EXPECT_GT(refusal_lines, 0);
  EXPECT_LT(refusal_lines, forged / 4);
  if (refusal_lines > 20) {
    EXPECT_TRUE(says_what_it_dropped);  // more than the burst: the rest say so
  }
}

}  // namespace
}  // namespace smrel
