#pragma once
// Runs the real server in-process on 127.0.0.1:0 against a fake Slack, with a manual clock that
// also signs the test requests, and a second store connection for assertions.
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "adapters/slack/form.hpp"
#include "adapters/slack/signature.hpp"
#include "bot/domain/clock.hpp"
#include "bot/service/server_app.hpp"
#include "bot/storage/store.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/outbox_wait.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_http.hpp"

namespace smrel::testing {

/// Real time plus an offset the test controls: timers and retries run as they would, and a test
/// can still jump a week ahead.
class offset_clock final : public domain::clock {
 public:
  domain::time_point now() const override { return std::chrono::system_clock::now() + offset_.load(); }
  void advance(std::chrono::seconds by) { offset_ = offset_.load() + by; }
  /// Jumps to `at` (to the second); time runs on from there.
  void set(domain::time_point at) {
    offset_ = std::chrono::duration_cast<std::chrono::seconds>(at - std::chrono::system_clock::now());
  }

 private:
  std::atomic<std::chrono::seconds> offset_{std::chrono::seconds{0}};
};

inline constexpr const char* test_secret = "8f742231b10e8888abcd99yyyzzz85a5";
inline constexpr const char* test_team = "T0TEST";

class slack_harness {
 public:
  /// Settings to change before the server starts, e.g. to run the scheduler.
  using setup = std::function<void(config::settings&, service::server_options&, offset_clock&)>;

  explicit slack_harness(const setup& before_start = {}) : key_(test_secret) {
    settings_.database = "sqlite:" + dir_.file("smrel.db");
    settings_.pseudonym_key = std::string(40, 'k');
    settings_.http.listen = "127.0.0.1:0";
    settings_.http.max_body_bytes = 64 * 1024;
    settings_.http.read_timeout = std::chrono::milliseconds{500};
    settings_.http.idle_timeout = std::chrono::milliseconds{2000};
    settings_.slack.signing_secret = test_secret;
    settings_.slack.bot_token = "xoxb-test";
    settings_.slack.api_base = fake_.api_base();
    settings_.slack.response_hosts = {"127.0.0.1:" + std::to_string(fake_.port())};
    settings_.admins = {"UADMIN"};
    settings_.survey.min_group_size = 3;
    settings_.log_level = "warn";
    options_.schedule_tick.reset();  // tests that want the weekly schedule turn it on and set the time
    options_.people_check_every.reset();  // likewise the look-ups of who people are
    if (before_start) before_start(settings_, options_, clock_);
    start();
    store_ = storage::open_store(settings_.database);
  }
  ~slack_harness() { stop(); }

  void start() {
    app_ = std::make_unique<service::server_app>(settings_, clock_, options_);
    port_ = app_->start();
  }
  void stop() {
    if (!app_) return;
    app_->request_stop();
    app_->wait();
    app_.reset();
  }
  void restart() {
    stop();
    start();
  }
  /// Waits until the scheduler has looked `passes` more times: what it did not send by then was
  /// not due (a queued message goes out within the next pass's time).
  void settle_schedule(std::size_t passes = 3) {
    const auto target = app_->schedule_passes() + passes;
    for (int i = 0; i < 1000 && app_->schedule_passes() < target; ++i) std::this_thread::sleep_for(std::chrono::milliseconds{10});
    EXPECT_GE(app_->schedule_passes(), target) << "the scheduler did not tick";
  }

  /// Waits until the people check has passed `passes` more times (see people_check.hpp).
  void settle_people_check(std::size_t passes = 3) {
    const auto target = app_->people_check_passes() + passes;
    for (int i = 0; i < 1000 && app_->people_check_passes() < target; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    EXPECT_GE(app_->people_check_passes(), target) << "the people check did not pass";
  }

  test_response signed_post(const std::string& target, const std::string& body, const std::string& content_type,
                            std::chrono::seconds skew = std::chrono::seconds{0}) {
    const auto ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>((clock_.now() + skew).time_since_epoch()).count());
    return http_call(aimed_at_ ? aimed_at_ : port_, "POST", target, body,
                     {{"Content-Type", content_type},
                      {"X-Slack-Request-Timestamp", ts},
                      {"X-Slack-Signature", adapters::slack::sign(key_, ts, body)}});
  }

  test_response command(const std::string& user, const std::string& text, const std::string& channel = "C0CHAN") {
    const auto body = "token=x&team_id=" + std::string(test_team) + "&user_id=" + user + "&channel_id=" + channel +
                      "&command=%2Fsmrel&text=" + adapters::slack::form_encode(text) +
                      "&response_url=" + adapters::slack::form_encode(fake_.response_url("cmd"));
    return signed_post("/slack/commands", body, "application/x-www-form-urlencoded");
  }

  /// `action_ts` names the click; by default every call is a new click.
  test_response click(const std::string& user, const std::string& action_id, const std::string& value,
                      const std::string& response_id = "1", std::string action_ts = {}) {
    return click_on_message(user, "D0DM", "1700000000.000100", action_id, value, response_id, std::move(action_ts));
  }

  /// A click on a button of one particular message (its channel and ts, as Slack names it).
  test_response click_on_message(const std::string& user, const std::string& channel, const std::string& message_ts,
                                 const std::string& action_id, const std::string& value, const std::string& response_id = "1",
                                 std::string action_ts = {}) {
    if (action_ts.empty()) action_ts = "1700000000." + std::to_string(100000 + next_click_++);
    const nlohmann::json payload{
        {"type", "block_actions"},
        {"team", {{"id", test_team}, {"domain", "test"}}},
        {"user", {{"id", user}, {"username", "u"}, {"team_id", test_team}}},
        {"container", {{"type", "message"}, {"message_ts", message_ts}, {"channel_id", channel}}},
        {"channel", {{"id", channel}}},
        {"response_url", fake_.response_url(response_id)},
        {"actions",
         {{{"action_id", action_id}, {"block_id", "b"}, {"value", value}, {"type", "button"}, {"action_ts", action_ts}}}}};
    return signed_post("/slack/interactivity", "payload=" + adapters::slack::form_encode(payload.dump()),
                       "application/x-www-form-urlencoded");
  }

  test_response event(const nlohmann::json& body) { return signed_post("/slack/events", body.dump(), "application/json"); }

  void wait_until_no_send_in_flight() { testing::wait_until_no_send_in_flight(store()); }

  /// Another replica: a second server on the same database and settings (its own caches).
  std::unique_ptr<service::server_app> start_replica(unsigned short& port) {
    auto replica = std::make_unique<service::server_app>(settings_, clock_, options_);
    port = replica->start();
    return replica;
  }
  /// Requests go to this port from now on (0: this harness's own server).
  void aim_at(unsigned short port) { aimed_at_ = port; }

  unsigned short port() const { return port_; }
  offset_clock& clock() { return clock_; }
  fake_slack& fake() { return fake_; }
  storage::store& store() { return *store_; }
  config::settings& settings() { return settings_; }
  const domain::hmac_sha256& key() const { return key_; }

 private:
  temp_dir dir_;
  fake_slack fake_;
  offset_clock clock_;
  domain::hmac_sha256 key_;
  config::settings settings_;
  service::server_options options_;
  std::unique_ptr<service::server_app> app_;
  std::unique_ptr<storage::store> store_;
  unsigned short port_ = 0;
  unsigned short aimed_at_ = 0;
  std::atomic<int> next_click_{0};
};

/// Signs Slack requests at the wall clock's time, for a server without a harness (a process).
struct slack_signer {
  domain::hmac_sha256 key{test_secret};
  test_response post(unsigned short port, const std::string& target, const std::string& body) const {
    const auto ts = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    return http_call(port, "POST", target, body,
                     {{"Content-Type", "application/x-www-form-urlencoded"},
                      {"X-Slack-Request-Timestamp", ts},
                      {"X-Slack-Signature", adapters::slack::sign(key, ts, body)}});
  }
};

/// Button values in a Block Kit reply, in order, as {action_id, value}.
inline std::vector<std::pair<std::string, std::string>> buttons_of(const nlohmann::json& message) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& block : message.value("blocks", nlohmann::json::array())) {
    if (block.value("type", "") != "actions") continue;
    for (const auto& e : block["elements"]) out.emplace_back(e.value("action_id", ""), e.value("value", ""));
  }
  return out;
}

}  // namespace smrel::testing
