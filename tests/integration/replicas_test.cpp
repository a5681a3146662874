// Several replicas on one PostgreSQL: the weekly pulse and digest go out once, at the pace the
// platform allows the app (not per replica); a change one replica makes to a person is honoured by
// the other's very next request; and `kill -9` of one replica in a click burst spread over both
// loses no acknowledged answer. Replicas run in this process (two server_apps, their own caches)
// or, for kill -9, as `smrel serve` processes.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/views.hpp"
#include "tests/support/paced_posts.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::fake_slack;
using testing::paced_posts;
using testing::slack_harness;

const domain::workspace_ref team{domain::platform::slack, testing::test_team};
// Monday 30 November 2026, 09:58 in Amsterdam (CET): two minutes before the pulse.
const domain::time_point before_pulse = domain::time_point{sys_days{2026y / November / 30} + 8h + 58min};

// Replica A: the harness's own server, on a fresh PostgreSQL database, on the Amsterdam schedule.
slack_harness::setup on_postgres_in_amsterdam(const std::string& database) {
  return [database](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    s.database = database;
    s.survey.timezone = "Europe/Amsterdam";
    s.slack.digest_channel = "C0LEADERS";
    o.schedule_tick = 50ms;
    clock.set(before_pulse);
  };
}

// Members whose direct conversations are known ("D" + user), so a pulse is all chat.postMessage.
void add_members(slack_harness& h, int count) {
  for (int i = 0; i < count; ++i) {
    const domain::member_key who{team, "U" + std::to_string(1000 + i)};
    h.store().upsert_member(who, scoring::locale::en, h.clock().now());
    h.store().set_group(who, "p-" + who.user, scoring::group::sales);  // joined: enrolled in the weekly pulse
    h.store().remember_direct_conversation(who, {domain::platform::slack, "D" + who.user});
  }
}

class replica {
 public:
  explicit replica(slack_harness& h) : app_(h.start_replica(port_)) {}
  ~replica() { stop(); }
  void stop() {
    if (!app_) return;
    app_->request_stop();
    app_->wait();
    app_.reset();
  }
  unsigned short port() const { return port_; }

 private:
  unsigned short port_ = 0;
  std::unique_ptr<service::server_app> app_;
};

TEST(replicas, a_weekly_pulse_goes_out_once_per_person_at_the_apps_pace_and_the_digest_once) {
  constexpr int people = 300;
  // Without Wednesday's reminder: 300 more paced posts would add a minute, and this is about the
  // pulse and the digest (reminders have their own tests).
  const auto on_postgres = on_postgres_in_amsterdam(testing::postgres_server::shared().create_database());
  slack_harness h([&](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    on_postgres(s, o, clock);
    s.survey.reminder_day = "off";
  });
  // One bucket for the app, whichever replica posts. Each replica takes its turn in the database
  // and then makes its own call, so two turns 200 ms apart can arrive closer together than from
  // one process: the fake forgives the same arrival noise as for one (paced_posts).
  paced_posts slack;
  h.fake().respond_with("/api/chat.postMessage", [&](const fake_slack::call& c) { return slack.answer(c); });
  auto b = std::make_unique<replica>(h);
  add_members(h, people);

  h.clock().advance(3min);  // the pulse is due on both replicas at once
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", people, 120s));
  const auto posts = slack.posts();
  EXPECT_EQ(posts.size(), static_cast<std::size_t>(people));
  for (const auto& [channel, count] : posts) EXPECT_EQ(count, 1) << channel;
  EXPECT_EQ(slack.limited(), 0) << "two replicas posted faster than the app may";
  const auto least = paced_posts::least_time(people);
  std::printf("two replicas: %d DMs in %.2f s; the least the app's limit allows is %.2f s (%.3fx)\n", people,
              slack.span().count(), least.count(), slack.span().count() / least.count());
  EXPECT_LE(slack.span().count(), 1.05 * least.count());
  EXPECT_GE(slack.span().count(), 0.95 * least.count());

  h.wait_until_no_send_in_flight();
  h.clock().advance(days{4} - 1h + 4min);  // Friday 09:02 in Amsterdam: the digest is due
  const auto digests = [&] { return slack.posts().count("C0LEADERS") ? slack.posts().at("C0LEADERS") : 0; };
  for (int i = 0; i < 500 && digests() == 0; ++i) std::this_thread::sleep_for(20ms);
  h.settle_schedule();
  EXPECT_EQ(digests(), 1);

  // Both replicas start again: nothing goes out twice.
  b->stop();
  h.restart();
  b = std::make_unique<replica>(h);
  h.settle_schedule(10);
  EXPECT_EQ(digests(), 1);
  EXPECT_EQ(slack.limited(), 0);
  const auto after_restart = slack.posts();
  EXPECT_EQ(after_restart.size(), static_cast<std::size_t>(people + 1));
  for (const auto& [channel, count] : after_restart) EXPECT_EQ(count, 1) << channel << " was posted into " << count << " times";
}

TEST(replicas, an_opt_out_on_one_replica_stops_the_dm_the_other_would_send) {
  slack_harness h(on_postgres_in_amsterdam(testing::postgres_server::shared().create_database()));
  std::atomic<bool> slack_up{false};
  std::mutex mutex;
  std::multiset<std::string> delivered;  // channels posted into while Slack was up
  h.fake().respond_with("/api/chat.postMessage", [&](const fake_slack::call& c) {
    if (!slack_up) return fake_slack::scripted{503, "down", ""};
    const auto channel = json::parse(c.body).value("channel", "");
    std::lock_guard lock(mutex);
    delivered.insert(channel);
    return fake_slack::scripted{200, json{{"ok", true}, {"channel", channel}, {"ts", "1764400000.000100"}}.dump(), ""};
  });
  replica b(h);
  add_members(h, 2);  // U1000 and U1001
  h.aim_at(b.port());
  ASSERT_EQ(h.command("U1000", "status").status, 200);  // B knows U1000 from memory now

  h.clock().advance(3min);  // both DMs are queued, and fail while Slack is down
  ASSERT_TRUE(h.fake().wait_for_calls("/api/chat.postMessage", 2, 15s));
  h.aim_at(0);
  ASSERT_EQ(h.command("U1000", "optout").status, 200);  // on A
  h.stop();  // from here on B alone sends
  slack_up = true;

  const auto sent_to = [&](const std::string& channel) {
    std::lock_guard lock(mutex);
    return delivered.count(channel);
  };
  for (int i = 0; i < 1500 && (sent_to("DU1001") == 0 || h.store().outbox_depth() > 0); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(sent_to("DU1001"), 1U) << "B sends the pulse to who did not opt out";
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  EXPECT_EQ(sent_to("DU1000"), 0U) << "B sent a pulse to someone who had opted out on A";
}

TEST(replicas, a_language_chosen_on_one_replica_is_spoken_by_the_other_at_once) {
  slack_harness h([database = testing::postgres_server::shared().create_database()](
                      config::settings& s, service::server_options&, testing::offset_clock&) { s.database = database; });
  replica b(h);
  ASSERT_EQ(h.command("U1", "join sales").status, 200);
  h.aim_at(b.port());
  const auto before = h.command("U1", "status").body;
  EXPECT_NE(before.find("No results yet"), std::string::npos) << before;
  h.aim_at(0);
  ASSERT_EQ(h.command("U1", "language nl").status, 200);
  h.aim_at(b.port());
  const auto after = h.command("U1", "status").body;
  EXPECT_NE(after.find("Nog geen resultaten"), std::string::npos) << after;
}

TEST(replicas, kill_9_of_one_replica_in_a_click_burst_spread_over_both_loses_no_acknowledged_answer) {
  const auto database = testing::postgres_server::shared().create_database();
  testing::fake_slack fake;
  fake.set_default(fake_slack::scripted{503, "down", ""});  // confirmations stay queued
  const std::vector<std::string> env{"SMREL_DB=" + database,
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
  auto doomed = std::make_unique<testing::serve_process>(env);
  testing::serve_process survivor(env);
  const std::array<unsigned short, 2> ports{doomed->port(), survivor.port()};

  std::vector<std::vector<std::pair<std::string, std::string>>> buttons(people);
  for (int p = 0; p < people; ++p) {
    const auto body = "team_id=T0TEST&user_id=U" + std::to_string(p) + "&channel_id=D1&command=%2Fsmrel&text=pulse";
    buttons[p] = testing::buttons_of(json::parse(sign.post(ports[p % 2], "/slack/commands", body).body));
    ASSERT_EQ(buttons[p].size(), 24U);
  }

  std::mutex mutex;
  std::map<std::string, std::string> last_acked;    // person/item → the value last acknowledged
  std::map<std::string, std::string> maybe_landed;  // person/item → a value sent to the killed replica, unanswered
  std::atomic<int> acked{0};
  std::atomic<bool> killed{false};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clickers;
  for (int p = 0; p < people; ++p) {
    clickers.emplace_back([&, p] {
      const auto user = "U" + std::to_string(p);
      for (int n = 0; !stop; ++n) {
        const auto& [action, value] = buttons[p][static_cast<std::size_t>(n * 7 % 20)];
        const auto key = user + "/" + value.substr(value.find('.') + 1, 3);
        // Alternate replicas, as a load balancer would; once one is gone, only the other.
        const auto port = killed ? ports[1] : ports[static_cast<std::size_t>((n + p) % 2)];
        const json payload{{"type", "block_actions"},
                           {"team", {{"id", "T0TEST"}}},
                           {"user", {{"id", user}, {"team_id", "T0TEST"}}},
                           {"response_url", fake.response_url(std::to_string(p) + "-" + std::to_string(n))},
                           {"actions", {{{"action_id", action}, {"value", value}}}}};
        bool ok = false;
        try {
          ok = sign.post(port, "/slack/interactivity", "payload=" + adapters::slack::form_encode(payload.dump())).status == 200;
        } catch (const std::exception&) {
          ok = false;  // the replica died under this request
        }
        std::lock_guard lock(mutex);
        if (ok) {
          last_acked[key] = value;
          maybe_landed.erase(key);  // a later answer to the same statement is what counts
          ++acked;
        } else if (port == ports[0]) {
          maybe_landed[key] = value;
        }
        std::this_thread::sleep_for(2ms);
      }
    });
  }
  // Killed once the burst is well under way (however slow the build, e.g. under the sanitizers);
  // then the burst goes on against the survivor.
  for (int i = 0; i < 3000 && acked < 60; ++i) std::this_thread::sleep_for(10ms);
  doomed->kill(SIGKILL);
  killed = true;
  const auto acked_at_kill = acked.load();
  for (int i = 0; i < 3000 && acked < acked_at_kill + 40; ++i) std::this_thread::sleep_for(10ms);
  stop = true;
  for (auto& t : clickers) t.join();
  doomed.reset();
  ASSERT_GE(acked_at_kill, 60);
  ASSERT_GE(acked.load(), acked_at_kill + 40) << "the survivor kept answering";

  auto store = storage::open_store(database);
  const domain::pseudonymizer pseudonyms(std::string(40, 'k'));
  for (const auto& [key, value] : last_acked) {
    const auto user = key.substr(0, key.find('/'));
    const auto item = *scoring::statement_index(key.substr(key.find('/') + 1));
    const auto pulse_id = std::stoll(value.substr(1, value.find('.') - 1));
    const auto stored = store->answers_by(pseudonyms.pseudonym({team, user}), pulse_id);
    const auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& a) { return a.item == item; });
    ASSERT_NE(it, stored.end()) << key;
    const auto stored_value = engine::answer_button_value(pulse_id, static_cast<std::uint8_t>(item), it->value);
    const auto maybe = maybe_landed.find(key);
    EXPECT_TRUE(stored_value == value || (maybe != maybe_landed.end() && stored_value == maybe->second))
        << key << ": stored " << stored_value << ", acknowledged " << value;
  }
  EXPECT_EQ(survivor.kill(SIGTERM), 0);  // graceful: exit status 0
}

}  // namespace
}  // namespace smrel
