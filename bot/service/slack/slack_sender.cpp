// Slack out: the Web API with the bot token, response URLs on the allow list, Slack's published
// rate tiers, and the rows queued before outbox rows were neutral.
#include <nlohmann/json.hpp>

#include "adapters/slack/blocks.hpp"
#include "adapters/slack/people.hpp"
#include "adapters/slack/web_api.hpp"
#include "bot/service/slack/legacy_rows.hpp"
#include "bot/service/slack/slack_plug.hpp"
#include "bot/service/url_allow_list.hpp"

namespace smrel::service {
namespace {

namespace slack = adapters::slack;
using domain::delivery_outcome;

// Web API methods.
constexpr std::string_view post_message = "chat.postMessage";
constexpr std::string_view publish_home = "views.publish";
constexpr std::string_view open_conversation = "conversations.open";
constexpr std::string_view update_message = "chat.update";
constexpr std::string_view user_info = "users.info";
constexpr std::string_view auth_test = "auth.test";

constexpr std::string_view bucket_prefix = "slack:";

delivery_outcome give_up(std::string reason) {
  delivery_outcome out;
  out.verdict = domain::delivery_verdict::permanent;
  out.reason = std::move(reason);
  return out;
}

domain::conversation_ref slack_conversation(std::string_view channel) {
  return {domain::platform::slack, std::string(channel)};
}

// Built outside the coroutines: GCC 12 miscompiles initializer lists in coroutine bodies.
std::string open_conversation_body(const std::string& user) { return nlohmann::json{{"users", user}}.dump(); }

std::string method_key(std::string_view method) { return std::string(bucket_prefix) + "method:" + std::string(method); }

std::string host_of(std::string_view url) {
  const auto start = url.find("://");
  if (start == std::string_view::npos) return std::string(url);
  const auto host = url.substr(start + 3);
  return std::string(host.substr(0, host.find('/')));
}

send_buckets web_api_buckets(std::string_view method, std::string_view channel = {}) {
  send_buckets out;
  out.take.push_back(method_key(method));
  if (!channel.empty()) out.take.push_back(std::string(bucket_prefix) + "channel:" + std::string(channel));
  // Slack limits Web API calls per method (and workspace): a 429 holds up the whole method.
  out.pause_when_limited.push_back(method_key(method));
  return out;
}

send_buckets response_url_buckets(std::string_view url) {
  // A response URL is limited on its own (five replies per URL), so a 429 holds up only that
  // message; pausing its host would hold up every other person's confirmation.
  send_buckets out;
  out.take.push_back(std::string(bucket_prefix) + "response_url:" + host_of(url));
  return out;
}

}  // namespace

std::optional<std::string> slack_plug::cannot_send() const {
  if (settings_.bot_token.empty()) return "no Slack bot token (SMREL_SLACK_BOT_TOKEN)";
  return std::nullopt;
}

void slack_plug::set_rate_rules(rate_limiter& limiter) const {
  // Slack: chat.postMessage about one per second per channel and several hundred a minute per
  // workspace; views.publish is Tier 4 (100+/min); conversations.open is Tier 3 (50+/min), which
  // is why direct conversations are opened once and remembered. response_url has no published
  // rate limit (each URL takes five replies in 30 minutes), so its per-host bucket only keeps
  // bursts civil.
  limiter.set_rule(method_key(""), {1.0, 3.0});
  limiter.set_rule(method_key(post_message), {5.0, 5.0});
  limiter.set_rule(method_key(publish_home), {1.5, 5.0});
  limiter.set_rule(method_key(open_conversation), {0.8, 5.0});
  limiter.set_rule(method_key(update_message), {0.8, 5.0});  // Tier 3, 50+ a minute
  limiter.set_rule(std::string(bucket_prefix) + "channel:", {1.0, 2.0});
  limiter.set_rule(std::string(bucket_prefix) + "response_url:", {100.0, 200.0});
}

send_buckets slack_plug::buckets(send_action action, std::string_view address) const {
  switch (action) {
    case send_action::reply:
    case send_action::replace: return response_url_buckets(address);
    case send_action::post: return web_api_buckets(post_message, address);
    case send_action::publish_home: return web_api_buckets(publish_home);
    case send_action::open_direct: return web_api_buckets(open_conversation);
    case send_action::update:
      return web_api_buckets(update_message);
  }
  return web_api_buckets("");
}

boost::asio::awaitable<std::pair<delivery_outcome, std::string>> slack_plug::send_request(net::client_request request,
                                                                                          bool response_url,
                                                                                          std::string_view content_type) {
  request.headers.emplace_back("Content-Type", std::string(content_type));
  auto [ec, response] = co_await client_.send(std::move(request));
  if (ec) {
    delivery_outcome failed;
    failed.verdict = domain::delivery_verdict::retry;
    failed.reason = ec.message();
    co_return std::make_pair(std::move(failed), std::string());
  }
  auto outcome = slack::classify_response(response.status, response.header("retry-after"), response.body, response_url);
  co_return std::make_pair(std::move(outcome), std::move(response.body));
}

boost::asio::awaitable<delivery_outcome> slack_plug::call_web_api(std::string_view method, std::string body) {
  if (settings_.bot_token.empty()) co_return give_up("no Slack bot token configured");
  net::client_request request;
  request.url = settings_.api_base + "/" + std::string(method);
  request.headers.emplace_back("Authorization", "Bearer " + settings_.bot_token);
  request.body = std::move(body);
  auto answer = co_await send_request(std::move(request), false);
  co_return std::move(answer.first);
}

boost::asio::awaitable<delivery_outcome> slack_plug::post_to_response_url(std::string url, std::string body) {
  // Checked again at send time: the allow list may have shrunk since the row was queued.
  if (!allowed_url(url, settings_.response_hosts)) co_return give_up("response_url host not allowed");
  net::client_request request;
  request.url = std::move(url);
  request.body = std::move(body);
  auto answer = co_await send_request(std::move(request), true);
  co_return std::move(answer.first);
}

boost::asio::awaitable<delivery_outcome> slack_plug::send(send_action action, std::string address, domain::message message) {
  switch (action) {
    case send_action::reply: co_return co_await post_to_response_url(std::move(address), slack::reply_json(message));
    case send_action::replace:
      co_return co_await post_to_response_url(std::move(address), slack::replace_original_json(message));
    case send_action::post: {
      auto outcome = co_await call_web_api(post_message, slack::post_message_json(address, message));
      // Slack names where the message landed; a DM posted to a user id lands in its DM channel.
      if (outcome.landed.conversation.empty()) outcome.landed.conversation = slack_conversation(address);
      co_return outcome;
    }
    case send_action::publish_home: co_return co_await call_web_api(publish_home, slack::publish_home_json(address, message));
    case send_action::update: {
      const auto space = address.find(' ');
      if (space == std::string::npos) co_return give_up("not a Slack message address");
      co_return co_await call_web_api(
          update_message, slack::update_message_json(address.substr(0, space), address.substr(space + 1), message));
    }
    case send_action::open_direct: break;
  }
  co_return give_up("not a message action");
}

// chat.update names a message by its channel and its ts: "D0123ABC 1700000000.000100" (neither
// holds a space).
std::optional<std::string> slack_plug::update_address(const domain::message_ref& sent) const {
  if (sent.conversation.address.empty() || sent.id.empty()) return std::nullopt;
  return sent.conversation.address + " " + sent.id;
}

boost::asio::awaitable<delivery_outcome> slack_plug::open_direct(domain::member_key who) {
  if (settings_.bot_token.empty()) co_return give_up("no Slack bot token configured");
  net::client_request request;
  request.url = settings_.api_base + "/" + std::string(open_conversation);
  request.headers.emplace_back("Authorization", "Bearer " + settings_.bot_token);
  request.body = open_conversation_body(who.user);
  auto [outcome, body] = co_await send_request(std::move(request), false);
  if (outcome.verdict != domain::delivery_verdict::sent) co_return outcome;
  const auto channel = slack::opened_channel(body);
  if (!channel) co_return give_up("conversations.open answered without a channel");
  outcome.landed.conversation = slack_conversation(*channel);
  outcome.landed.id.clear();
  co_return outcome;
}

// users.info is Tier 4 (100+ a minute per workspace); a third of that leaves the rest of the app's
// calls their room, and still looks up a thousand people in half an hour.
std::optional<storage::send_pace> slack_plug::look_up_pace() const {
  if (settings_.bot_token.empty()) return std::nullopt;
  return storage::send_pace{method_key(user_info), 0.5, 5.0};
}

boost::asio::awaitable<person_look_up> slack_plug::look_up(domain::member_key who) {
  person_look_up out;
  if (settings_.bot_token.empty()) {
    out.outcome = give_up("no Slack bot token configured");
    co_return out;
  }
  const auto enterprise = co_await own_enterprise(out.outcome);
  if (!enterprise) co_return out;
  net::client_request request;
  request.url = settings_.api_base + "/" + std::string(user_info);
  request.headers.emplace_back("Authorization", "Bearer " + settings_.bot_token);
  request.body = slack::user_info_form(who.user);
  auto [outcome, body] = co_await send_request(std::move(request), false, "application/x-www-form-urlencoded");
  if (outcome.verdict == domain::delivery_verdict::sent) {
    out.facts = slack::person_facts_of(body, {who.workspace.id, *enterprise});
    if (!out.facts) outcome = give_up("users.info answered without a user");
  }
  out.outcome = std::move(outcome);
  co_return out;
}

// Colleagues from the same Grid organisation's other workspaces count; telling them from Slack
// Connect externals needs the organisation, which only the token's own auth.test names.
boost::asio::awaitable<std::optional<std::string>> slack_plug::own_enterprise(delivery_outcome& failed) {
  {
    std::lock_guard lock(enterprise_mutex_);
    if (enterprise_) co_return enterprise_;
  }
  net::client_request request;
  request.url = settings_.api_base + "/" + std::string(auth_test);
  request.headers.emplace_back("Authorization", "Bearer " + settings_.bot_token);
  auto [outcome, body] = co_await send_request(std::move(request), false, "application/x-www-form-urlencoded");
  std::optional<std::string> found;
  if (outcome.verdict == domain::delivery_verdict::sent) found = slack::enterprise_of(body);
  if (!found) {
    failed = outcome.verdict == domain::delivery_verdict::sent ? give_up("auth.test answered without ok") : outcome;
    co_return std::nullopt;
  }
  std::lock_guard lock(enterprise_mutex_);
  enterprise_ = found;
  co_return found;
}

std::optional<storage::outbox_message> slack_plug::modernise(const storage::outbox_message& verbatim) const {
  return modernise_legacy_row(verbatim);
}

send_buckets slack_plug::verbatim_buckets(const storage::outbox_message& verbatim) const {
  const auto legacy = parse_legacy_address(verbatim.address);
  if (!legacy) return {};
  if (legacy->method == legacy_response_url) return response_url_buckets(legacy->target);
  return web_api_buckets(legacy->method, legacy->method == post_message ? legacy->target : std::string_view{});
}

boost::asio::awaitable<delivery_outcome> slack_plug::send_verbatim(storage::outbox_message verbatim) {
  auto legacy = parse_legacy_address(verbatim.address);
  if (!legacy) co_return give_up("unreadable address");
  if (legacy->method == legacy_response_url) {
    co_return co_await post_to_response_url(std::move(legacy->target), std::move(verbatim.content));
  }
  if (legacy->method == legacy_pulse_dm || legacy->method == legacy_pulse_update) co_return give_up("unreadable payload");
  co_return co_await call_web_api(legacy->method, std::move(verbatim.content));
}

}  // namespace smrel::service
