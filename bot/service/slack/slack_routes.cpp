// Slack's three webhooks: verified, translated, handed to the dispatcher, answered Slack's way.
#include <nlohmann/json.hpp>

#include "adapters/slack/blocks.hpp"
#include "adapters/slack/inbound.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/url_allow_list.hpp"
#include "bot/service/slack/slack_plug.hpp"

namespace smrel::service {
namespace {

namespace slack = adapters::slack;
using net::http_request;
using net::http_response;

constexpr std::string_view commands_path = "/slack/commands";
constexpr std::string_view interactivity_path = "/slack/interactivity";
constexpr std::string_view events_path = "/slack/events";

}  // namespace

slack_plug::slack_plug(const config::slack_settings& settings, boost::asio::io_context& io, dispatcher& flow,
                       const domain::clock& clock, metrics& stats)
    : settings_(settings), flow_(flow), clock_(clock), stats_(stats), client_(io) {
  if (!settings.signing_secret.empty()) signing_key_.emplace(settings.signing_secret);
}

std::vector<route> slack_plug::routes() {
  std::vector<route> out;
  const auto add = [&](std::string_view path, auto handler) {
    out.push_back({std::string(path), "POST", [this, handler](http_request& r) { return (this->*handler)(r); },
                   [this, path](const http_request& head) { return screen_unsigned(head, path); }});
  };
  add(commands_path, &slack_plug::commands);
  add(interactivity_path, &slack_plug::interactivity);
  add(events_path, &slack_plug::events);
  return out;
}

std::optional<int> slack_plug::screen_unsigned(const http_request& head, std::string_view route) {
  auto result = slack::signature_check::missing_headers;
  if (signing_key_) {
    result = slack::check_signature_headers(head.header("x-slack-request-timestamp"), head.header("x-slack-signature"),
                                            clock_.now());
  }
  return refused_signature(head, route, result) ? std::optional(401) : std::nullopt;
}

std::optional<http_response> slack_plug::refuse_unsigned(const http_request& request, std::string_view route) {
  auto result = slack::signature_check::missing_headers;
  if (signing_key_) {
    result = slack::verify_signature(*signing_key_, request.header("x-slack-request-timestamp"),
                                     request.header("x-slack-signature"), request.body, clock_.now());
  }
  return refused_signature(request, route, result) ? std::optional(http_response::empty(401)) : std::nullopt;
}

bool slack_plug::refused_signature(const http_request& request, std::string_view route, slack::signature_check result) {
  if (result == slack::signature_check::ok) return false;
  stats_.refused("bad_signature");
  log_refusal(request, route, 401, "bad_signature",
              signing_key_ ? slack::describe(result) : std::string_view("signing secret not configured"));
  return true;
}

http_response slack_plug::bad_request(const http_request& request, std::string_view route, std::string_view reason) {
  stats_.refused("malformed");
  log_refusal(request, route, 400, "malformed", reason);
  return http_response::empty(400);
}

void slack_plug::log_refusal(const http_request& request, std::string_view route, int status, std::string_view kind,
                             std::string_view reason) {
  const auto dropped = refusal_logs_.admit(kind, std::chrono::steady_clock::now());
  if (!dropped) return;
  log_event(log_level::warn, "request_refused",
            {{"route", route}, {"status", static_cast<long long>(status)}, {"remote", request.remote}, {"reason", reason},
             {"similar_lines_dropped", static_cast<long long>(*dropped)}});
}

std::shared_ptr<const std::string> slack_plug::rendered_status(const domain::chat_command& command,
                                                               const std::shared_ptr<const domain::message>& view) {
  std::lock_guard lock(rendered_mutex_);
  if (rendered_.size() >= engine::chat_bot::max_cached_summaries && !rendered_.contains(command.who.workspace.id)) {
    rendered_.clear();  // bounded like the summaries it renders
  }
  auto& slots = rendered_[command.who.workspace.id];
  for (const auto& slot : slots) {
    if (slot.view == view) return slot.json;
  }
  slots[1] = std::move(slots[0]);
  slots[0] = {view, std::make_shared<const std::string>(slack::command_reply_json(*view))};
  return slots[0].json;
}

boost::asio::awaitable<http_response> slack_plug::commands(http_request& request) {
  if (auto refused = refuse_unsigned(request, commands_path)) co_return *refused;
  auto parsed = slack::parse_command(request.body);
  if (const auto* error = std::get_if<slack::parse_error>(&parsed)) co_return bad_request(request, commands_path, error->reason);
  auto& payload = std::get<0>(parsed);
  if (std::holds_alternative<slack::ssl_check>(payload)) co_return http_response::empty(200);
  auto command = std::get<domain::chat_command>(std::move(payload));
  // Hot path: the status command with everything cached needs no storage, so it is answered
  // right here on the network thread, from JSON rendered once per summary and language.
  if (const auto view = flow_.cached_reply(command)) co_return http_response::json(rendered_status(command, view));
  if (!command.reply_to.empty() && !allowed_url(command.reply_to, settings_.response_hosts)) {
    log_event(log_level::warn, "response_url_refused", {{"reason", "host not in SMREL_SLACK_RESPONSE_HOSTS"}});
    command.reply_to.clear();
  }
  const auto reply = co_await flow_.command(std::move(command));
  co_return http_response::json(slack::command_reply_json(reply));
}

boost::asio::awaitable<http_response> slack_plug::interactivity(http_request& request) {
  if (auto refused = refuse_unsigned(request, interactivity_path)) co_return *refused;
  auto parsed = slack::parse_interaction(request.body);
  if (const auto* error = std::get_if<slack::parse_error>(&parsed)) {
    co_return bad_request(request, interactivity_path, error->reason);
  }
  auto& payload = std::get<0>(parsed);
  if (std::holds_alternative<slack::ignored_interaction>(payload)) co_return http_response::empty(200);
  auto click = std::get<domain::button_click>(std::move(payload));
  if (!click.reply_to.empty() && !allowed_url(click.reply_to, settings_.response_hosts)) {
    // The click still counts; only its confirmation has nowhere safe to go (no SSRF).
    log_event(log_level::warn, "response_url_refused", {{"reason", "host not in SMREL_SLACK_RESPONSE_HOSTS"}});
    click.reply_to.clear();
  }
  const auto result = co_await flow_.click(std::move(click), click_answer::queued);
  if (result.replayed) log_refusal(request, interactivity_path, 200, "replayed", "a click seen before (replayed request)");
  co_return http_response::empty(200);  // only now is the answer durable: acknowledge
}

boost::asio::awaitable<http_response> slack_plug::events(http_request& request) {
  if (auto refused = refuse_unsigned(request, events_path)) co_return *refused;
  auto parsed = slack::parse_event(request.body);
  if (const auto* error = std::get_if<slack::parse_error>(&parsed)) {
    // Signed by Slack but not an envelope we can read: the same bytes will never succeed, so
    // Slack is asked not to send them again (three retries, and the app's failure rate).
    auto refused = bad_request(request, events_path, error->reason);
    refused.headers.emplace_back("X-Slack-No-Retry", "1");
    co_return refused;
  }
  auto& payload = std::get<0>(parsed);
  if (const auto* verification = std::get_if<slack::url_verification>(&payload)) {
    co_return http_response::json(nlohmann::json{{"challenge", verification->challenge}}.dump());
  }
  if (const auto* limited = std::get_if<slack::app_rate_limited>(&payload)) {
    // Events of that minute are lost to us; what they would have done (a Home view refresh)
    // happens again on the person's next visit. Said loudly: it means a busy workspace.
    log_event(log_level::warn, "slack_app_rate_limited",
              {{"team", limited->team_id}, {"minute", static_cast<long long>(limited->minute_rate_limited)}});
    co_return http_response::empty(200);
  }
  auto callback = std::get<slack::event_callback>(std::move(payload));
  const auto event_id = callback.event_id;
  if (!co_await flow_.event(std::move(callback.event_id), std::move(callback.event))) {
    log_event(log_level::info, "event_duplicate", {{"event_id", event_id}, {"retry", request.header("x-slack-retry-num")}});
  }
  co_return http_response::empty(200);
}

}  // namespace smrel::service
