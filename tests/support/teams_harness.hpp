#pragma once
// Runs the real server in-process on 127.0.0.1:0 against a fake Microsoft (OpenID/JWKS, token
// endpoint, Bot Connector), posts signed activities to /api/messages, and builds the activities
// Teams sends. People are named by a short tag: "1" is 29:user-1 / aad-1 in a:conv-1.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "bot/service/server_app.hpp"
#include "bot/storage/store.hpp"
#include "tests/support/fake_teams.hpp"
#include "tests/support/outbox_wait.hpp"
#include "tests/support/slack_harness.hpp"  // offset_clock
#include "tests/support/teams_tokens.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_http.hpp"

namespace smrel::testing {

inline constexpr const char* teams_app_id = "00000000-0000-0000-0000-0000000000a1";
inline constexpr const char* teams_app_password = "test-app-password";
inline constexpr const char* teams_tenant = "tenant-1";
inline constexpr const char* adaptive_card_type = "application/vnd.microsoft.card.adaptive";

inline const domain::workspace_ref& teams_workspace() {
  static const domain::workspace_ref ws{domain::platform::teams, teams_tenant};
  return ws;
}
inline bool is_2xx_status(int status) { return status >= 200 && status < 300; }
inline std::string user_mri(const std::string& who) { return "29:user-" + who; }
inline std::string aad_of(const std::string& who) { return "aad-" + who; }
inline std::string personal_conversation(const std::string& who) { return "a:conv-" + who; }
inline domain::member_key teams_member(const std::string& who) { return {teams_workspace(), aad_of(who)}; }

/// Every Action.Execute in a card (anywhere in it), as {title, verb, data}.
struct card_action {
  std::string title;
  std::string verb;
  nlohmann::json data;
};
inline void collect_actions(const nlohmann::json& node, std::vector<card_action>& out) {
  if (node.is_object()) {
    if (node.value("type", "") == "Action.Execute") {
      out.push_back({node.value("title", ""), node.value("verb", ""), node.value("data", nlohmann::json::object())});
      return;  // its fallback is the same button
    }
    for (const auto& [key, value] : node.items()) collect_actions(value, out);
  } else if (node.is_array()) {
    for (const auto& value : node) collect_actions(value, out);
  }
}
/// The Adaptive Card of an activity (its first attachment of that type), or null.
inline nlohmann::json card_of(const nlohmann::json& activity) {
  if (!activity.is_object() || !activity.contains("attachments")) return nullptr;
  for (const auto& a : activity["attachments"]) {
    if (a.value("contentType", "") == adaptive_card_type) return a.value("content", nlohmann::json());
  }
  return nullptr;
}
inline std::vector<card_action> actions_of(const nlohmann::json& card) {
  std::vector<card_action> out;
  collect_actions(card, out);
  return out;
}
/// The buttons whose data names `smrel_action` (e.g. "answer").
inline std::vector<card_action> buttons_named(const nlohmann::json& card, const std::string& smrel_action) {
  std::vector<card_action> out;
  for (auto& a : actions_of(card)) {
    if (a.data.is_object() && a.data.value("smrel", "") == smrel_action) out.push_back(std::move(a));
  }
  return out;
}

class teams_harness {
 public:
  using setup = std::function<void(config::settings&, service::server_options&, offset_clock&)>;

  /// `prepare_fake` runs before the server starts (which fetches the keys at once).
  explicit teams_harness(const setup& before_start = {}, const std::function<void(fake_teams&)>& prepare_fake = {}) {
    fake_.expect_credentials(teams_app_id, teams_app_password);
    if (prepare_fake) prepare_fake(fake_);
    settings_.database = "sqlite:" + dir_.file("smrel.db");
    settings_.pseudonym_key = std::string(40, 'k');
    settings_.http.listen = "127.0.0.1:0";
    settings_.http.max_body_bytes = 64 * 1024;
    settings_.http.read_timeout = std::chrono::milliseconds{2000};
    settings_.http.idle_timeout = std::chrono::milliseconds{2000};
    settings_.teams.app_id = teams_app_id;
    settings_.teams.app_password = teams_app_password;
    settings_.teams.openid_url = fake_.openid_url();
    settings_.teams.token_url = fake_.token_url();
    settings_.teams.service_hosts = {fake_.host()};
    settings_.admins = {aad_of("admin")};
    settings_.survey.min_group_size = 3;
    settings_.log_level = "warn";
    options_.schedule_tick.reset();
    options_.people_check_every.reset();
    if (before_start) before_start(settings_, options_, clock_);
    start();
    store_ = storage::open_store(settings_.database);
  }
  ~teams_harness() { stop(); }

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

  void wait_until_no_send_in_flight() { testing::wait_until_no_send_in_flight(store()); }

  // ---- posting activities ----

  /// A valid token for this bot, naming `service_url` in its serviceurl claim.
  std::string token_for(const std::string& service_url) const {
    token_spec spec;
    spec.aud = teams_app_id;
    spec.serviceurl = service_url;
    spec.now = clock_.now();
    return token_minter::instance().token(spec);
  }
  test_response post_with(const nlohmann::json& activity, const std::string& authorization) {
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
    return http_call(port_, "POST", "/api/messages", activity.dump(), headers);
  }
  /// Signed as the Bot Framework would: serviceurl claim = the activity's serviceUrl.
  test_response post(const nlohmann::json& activity) {
    return post_with(activity, "Bearer " + token_for(activity.value("serviceUrl", "")));
  }
  test_response post_unsigned(const nlohmann::json& activity) { return post_with(activity, ""); }

  /// Says `text` in `who`'s personal chat and returns the reply the bot posted (null, after a
  /// test failure, when none came).
  nlohmann::json say(const std::string& who, const std::string& text) {
    auto activity = personal_message(who, text);
    return send_and_wait_reply(activity);
  }
  /// Posts a message activity and waits for the bot's reply to it.
  nlohmann::json send_and_wait_reply(const nlohmann::json& activity) {
    const auto path = reply_path(activity);
    const auto before = fake_.connector_calls(fake_teams::to("POST", path)).size();
    const auto r = post(activity);
    if (!is_2xx_status(r.status)) {
      ADD_FAILURE() << "POST /api/messages answered " << r.status << " " << r.body;
      return nullptr;
    }
    if (!fake_.wait_for(fake_teams::to("POST", path), before + 1)) {
      ADD_FAILURE() << "no reply at " << path;
      return nullptr;
    }
    return fake_.connector_calls(fake_teams::to("POST", path)).back().json;
  }
  /// Where the reply to `activity` is posted: in a personal chat, as a reply to it; asked in a
  /// channel or group chat, into the person's own 1:1 chat (only the digest itself is for all).
  static std::string reply_path(const nlohmann::json& activity) {
    if (activity["conversation"].value("conversationType", "personal") != "personal") {
      return "/v3/conversations/" + fake_teams::personal_chat_id(activity["from"]["id"].get<std::string>()) + "/activities";
    }
    return "/v3/conversations/" + activity["conversation"]["id"].get<std::string>() + "/activities/" + activity["id"].get<std::string>();
  }

  // ---- activities as Teams sends them ----

  std::string next_activity_id() { return std::to_string(1800000000000LL + next_id_++); }

  nlohmann::json base_activity(const std::string& type, const std::string& who, const nlohmann::json& conversation) {
    return nlohmann::json{{"type", type},
                          {"id", next_activity_id()},
                          {"timestamp", "2026-11-30T09:00:00.000Z"},
                          {"serviceUrl", fake_.service_url()},
                          {"channelId", "msteams"},
                          {"from", {{"id", user_mri(who)}, {"name", "User " + who}, {"aadObjectId", aad_of(who)}}},
                          {"conversation", conversation},
                          {"recipient", {{"id", std::string("28:") + teams_app_id}, {"name", "smrel"}}},
                          {"channelData", {{"tenant", {{"id", teams_tenant}}}}},
                          {"locale", "en-US"}};
  }
  static nlohmann::json personal_conversation_json(const std::string& who) {
    return {{"id", personal_conversation(who)}, {"conversationType", "personal"}, {"tenantId", teams_tenant}};
  }
  static nlohmann::json channel_conversation_json(const std::string& channel) {
    return {{"id", channel + ";messageid=1800000000000"}, {"conversationType", "channel"}, {"isGroup", true}, {"tenantId", teams_tenant}};
  }

  nlohmann::json personal_message(const std::string& who, const std::string& text) {
    auto a = base_activity("message", who, personal_conversation_json(who));
    a["text"] = text;
    a["textFormat"] = "plain";
    return a;
  }
  /// A message in a team channel ("19:…@thread.tacv2"), @mentioning the bot when `mention`.
  nlohmann::json channel_message(const std::string& who, const std::string& text, bool mention,
                                 const std::string& channel = "19:leaders@thread.tacv2") {
    auto a = base_activity("message", who, channel_conversation_json(channel));
    a["text"] = mention ? "<at>smrel</at> " + text : text;
    a["textFormat"] = "plain";
    a["channelData"]["teamsChannelId"] = channel;
    a["channelData"]["teamsTeamId"] = "19:team@thread.tacv2";
    a["channelData"]["channel"] = {{"id", channel}};
    a["channelData"]["team"] = {{"id", "19:team@thread.tacv2"}};
    a["entities"] = nlohmann::json::array();
    if (mention) {
      a["entities"].push_back({{"type", "mention"},
                               {"text", "<at>smrel</at>"},
                               {"mentioned", {{"id", std::string("28:") + teams_app_id}, {"name", "smrel"}}}});
    }
    return a;
  }
  /// A Universal Action click (invoke adaptiveCard/action) in `who`'s personal chat.
  nlohmann::json invoke_action(const std::string& who, const std::string& verb, const nlohmann::json& data,
                               const std::string& card_activity_id = "1700000999") {
    auto a = base_activity("invoke", who, personal_conversation_json(who));
    a["name"] = "adaptiveCard/action";
    a["replyToId"] = card_activity_id;
    a["value"] = {{"action", {{"type", "Action.Execute"}, {"id", "button"}, {"verb", verb}, {"data", data}}}, {"trigger", "manual"}};
    return a;
  }
  /// A click whose data is {"smrel": action, "value": value}, as smrel's buttons carry.
  nlohmann::json invoke_smrel(const std::string& who, const std::string& smrel_action, const std::string& value,
                              const std::string& card_activity_id = "1700000999") {
    return invoke_action(who, smrel_action, nlohmann::json{{"smrel", smrel_action}, {"value", value}}, card_activity_id);
  }
  /// The Action.Submit fallback: a message whose value is the button's data, replying to the card.
  nlohmann::json submit_action(const std::string& who, const nlohmann::json& data, const std::string& card_activity_id) {
    auto a = base_activity("message", who, personal_conversation_json(who));
    a["value"] = data;
    a["replyToId"] = card_activity_id;
    return a;
  }
  /// A team's conversationUpdate: these people (tags) were added to the team.
  nlohmann::json members_added(const std::vector<std::string>& whom, const std::string& channel = "19:general@thread.tacv2") {
    auto a = base_activity("conversationUpdate", "admin", channel_conversation_json(channel));
    a["conversation"]["id"] = channel;
    a["membersAdded"] = nlohmann::json::array();
    for (const auto& who : whom) a["membersAdded"].push_back({{"id", user_mri(who)}, {"aadObjectId", aad_of(who)}});
    a["channelData"]["eventType"] = "teamMemberAdded";
    a["channelData"]["team"] = {{"id", "19:team@thread.tacv2"}, {"name", "Sales and Marketing"}};
    return a;
  }
  /// The app installed in `who`'s personal scope.
  nlohmann::json installation_added(const std::string& who) {
    auto a = base_activity("installationUpdate", who, personal_conversation_json(who));
    a["action"] = "add";
    return a;
  }
  /// The app removed from `who`'s personal scope (by them).
  nlohmann::json installation_removed(const std::string& who) {
    auto a = base_activity("installationUpdate", who, personal_conversation_json(who));
    a["action"] = "remove";
    return a;
  }
  /// A message in a group chat ("19:…@thread.v2"), @mentioning the bot.
  nlohmann::json group_chat_message(const std::string& who, const std::string& text, const std::string& chat) {
    auto a = channel_message(who, text, true, chat);
    a["conversation"] = group_chat_json(chat);
    a["channelData"] = {{"tenant", {{"id", teams_tenant}}}};
    return a;
  }
  /// The bot removed from a team: `team` is the team's id, which is its general channel's too.
  nlohmann::json bot_removed_from_team(const std::string& team) {
    auto a = base_activity("conversationUpdate", "admin", channel_conversation_json(team));
    a["conversation"]["id"] = team;
    a["membersRemoved"] = nlohmann::json::array({{{"id", std::string("28:") + teams_app_id}, {"name", "smrel"}}});
    a["channelData"]["eventType"] = "teamMemberRemoved";
    a["channelData"]["team"] = {{"id", team}, {"name", "Sales and Marketing"}};
    return a;
  }
  /// The bot removed from a group chat.
  nlohmann::json bot_removed_from_group_chat(const std::string& chat) {
    auto a = base_activity("conversationUpdate", "admin", group_chat_json(chat));
    a["membersRemoved"] = nlohmann::json::array({{{"id", std::string("28:") + teams_app_id}, {"name", "smrel"}}});
    return a;
  }
  static nlohmann::json group_chat_json(const std::string& chat) {
    return {{"id", chat}, {"conversationType", "groupChat"}, {"isGroup", true}, {"tenantId", teams_tenant}};
  }

  unsigned short port() const { return port_; }
  offset_clock& clock() { return clock_; }
  fake_teams& fake() { return fake_; }
  storage::store& store() { return *store_; }
  config::settings& settings() { return settings_; }

 private:
  temp_dir dir_;
  fake_teams fake_;
  offset_clock clock_;
  config::settings settings_;
  service::server_options options_;
  std::unique_ptr<service::server_app> app_;
  std::unique_ptr<storage::store> store_;
  unsigned short port_ = 0;
  std::atomic<long long> next_id_{0};
};

}  // namespace smrel::testing
