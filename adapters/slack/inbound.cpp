#include "adapters/slack/inbound.hpp"

#include <nlohmann/json.hpp>

#include "adapters/slack/form.hpp"

namespace smrel::adapters::slack {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_id_length = 64;
constexpr std::size_t max_text_length = 2000;

// Slack ids are short and alphanumeric; anything else is not from Slack.
bool is_slack_id(std::string_view id) {
  return !id.empty() && id.size() <= max_id_length &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == std::string_view::npos;
}

std::string string_at(const json& j, const json::json_pointer& pointer) {
  if (!j.contains(pointer)) return {};
  const auto& v = j.at(pointer);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// A tokens_revoked event whose event.tokens.bot lists at least one token (every step checked:
// the body is signed, not trusted to have this shape).
bool names_bot_tokens(const json& body) {
  const auto event = body.find("event");
  if (event == body.end() || !event->is_object()) return false;
  const auto tokens = event->find("tokens");
  if (tokens == event->end() || !tokens->is_object()) return false;
  const auto bot = tokens->find("bot");
  return bot != tokens->end() && bot->is_array() && !bot->empty();
}

}  // namespace

parsed<std::variant<domain::chat_command, ssl_check>> parse_command(std::string_view form_body) {
  const auto fields =
      parse_form_fields(form_body, {"ssl_check", "team_id", "user_id", "channel_id", "text", "response_url"});
  if (!fields) return parse_error{"command body is not form-encoded"};
  if (form_value(*fields, "ssl_check") == "1") return std::variant<domain::chat_command, ssl_check>{ssl_check{}};
  domain::chat_command command;
  command.who.workspace = {domain::platform::slack, std::string(form_value(*fields, "team_id"))};
  command.who.user = std::string(form_value(*fields, "user_id"));
  command.where = {domain::platform::slack, std::string(form_value(*fields, "channel_id"))};
  const auto text = form_value(*fields, "text");
  if (!is_slack_id(command.who.workspace.id) || !is_slack_id(command.who.user)) {
    return parse_error{"command without a valid team_id or user_id"};
  }
  if (!command.where.empty() && !is_slack_id(command.where.address)) return parse_error{"command with a bad channel_id"};
  // Text longer than any command is not one: like any other unknown text it gets the help, not a
  // bare 400 the person would see as "failed with the error dispatch_failed".
  command.text = text.size() > max_text_length ? std::string() : trim(text);
  command.reply_to = std::string(form_value(*fields, "response_url"));
  return std::variant<domain::chat_command, ssl_check>{std::move(command)};
}

parsed<std::variant<domain::button_click, ignored_interaction>> parse_interaction(std::string_view form_body) {
  const auto fields = parse_form_fields(form_body, {"payload"});
  if (!fields) return parse_error{"interaction body is not form-encoded"};
  const auto payload_text = form_value(*fields, "payload");
  if (payload_text.empty()) return parse_error{"interaction without payload"};
  const auto payload = json::parse(payload_text, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) return parse_error{"interaction payload is not JSON"};
  const auto type = string_at(payload, "/type"_json_pointer);
  if (type != "block_actions") return std::variant<domain::button_click, ignored_interaction>{ignored_interaction{type}};

  domain::button_click click;
  click.who.user = string_at(payload, "/user/id"_json_pointer);
  // `team` is null for org-wide installs; the user's own team is always there.
  click.who.workspace = {domain::platform::slack, string_at(payload, "/team/id"_json_pointer)};
  const auto home_team = string_at(payload, "/user/team_id"_json_pointer);
  if (click.who.workspace.id.empty()) click.who.workspace.id = home_team;
  // Someone whose own team is not the workspace the click happened in: in an Enterprise Grid
  // org that is a colleague from another of its workspaces, elsewhere a Slack Connect external.
  const bool in_grid = !string_at(payload, "/enterprise/id"_json_pointer).empty();
  click.from_elsewhere = !in_grid && !home_team.empty() && home_team != click.who.workspace.id;
  if (!is_slack_id(click.who.user) || !is_slack_id(click.who.workspace.id)) {
    return parse_error{"block_actions without a valid user or team"};
  }
  auto& clicked = click.message;
  clicked.conversation = {domain::platform::slack, string_at(payload, "/channel/id"_json_pointer)};
  if (clicked.conversation.empty()) clicked.conversation.address = string_at(payload, "/container/channel_id"_json_pointer);
  clicked.id = string_at(payload, "/container/message_ts"_json_pointer);
  if (clicked.id.empty()) clicked.id = string_at(payload, "/message/ts"_json_pointer);
  click.reply_to = string_at(payload, "/response_url"_json_pointer);
  click.from_home = string_at(payload, "/container/type"_json_pointer) == "view" &&
                    string_at(payload, "/view/type"_json_pointer) == "home";
  const auto actions = payload.find("actions");
  if (actions == payload.end() || !actions->is_array() || actions->empty() || !(*actions)[0].is_object()) {
    return parse_error{"block_actions without actions"};
  }
  const auto& action = (*actions)[0];
  const auto action_id = string_at(action, "/action_id"_json_pointer);
  click.action = action_id.substr(0, action_id.find('/'));
  click.value = string_at(action, "/value"_json_pointer);
  // action_ts is Slack's own time of this one click ("1700000000.123456"): with the user it
  // names the click, so a replay of the signed request is recognised.
  click.interaction_id = string_at(action, "/action_ts"_json_pointer);
  if (click.action.empty() || click.value.size() > max_text_length || click.interaction_id.size() > max_text_length) {
    return parse_error{"block_actions with a bad action"};
  }
  return std::variant<domain::button_click, ignored_interaction>{std::move(click)};
}

parsed<std::variant<url_verification, event_callback, app_rate_limited>> parse_event(std::string_view json_body) {
  const auto body = json::parse(json_body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return parse_error{"event body is not JSON"};
  const auto type = string_at(body, "/type"_json_pointer);
  if (type == "url_verification") {
    auto challenge = string_at(body, "/challenge"_json_pointer);
    if (challenge.empty() || challenge.size() > max_text_length) return parse_error{"url_verification without challenge"};
    return std::variant<url_verification, event_callback, app_rate_limited>{url_verification{std::move(challenge)}};
  }
  if (type == "app_rate_limited") {
    app_rate_limited limited;
    limited.team_id = string_at(body, "/team_id"_json_pointer);
    if (!is_slack_id(limited.team_id)) return parse_error{"app_rate_limited without a valid team_id"};
    const auto minute = body.find("minute_rate_limited");
    if (minute != body.end() && minute->is_number_integer()) limited.minute_rate_limited = minute->get<std::int64_t>();
    return std::variant<url_verification, event_callback, app_rate_limited>{std::move(limited)};
  }
  if (type != "event_callback") return parse_error{"unknown event envelope type \"" + type.substr(0, 40) + "\""};
  event_callback out;
  out.event_id = string_at(body, "/event_id"_json_pointer);
  out.event_type = string_at(body, "/event/type"_json_pointer);
  if (!is_slack_id(out.event_id)) return parse_error{"event_callback without a valid event_id"};
  if (out.event_type == "app_home_opened") {
    domain::home_opened opened;
    opened.who.workspace = {domain::platform::slack, string_at(body, "/team_id"_json_pointer)};
    opened.who.user = string_at(body, "/event/user"_json_pointer);
    if (!is_slack_id(opened.who.workspace.id) || !is_slack_id(opened.who.user)) {
      return parse_error{"app_home_opened without team or user"};
    }
    // Slack sends this for the Messages tab too; only the Home tab needs publishing. Either way
    // the event names the DM channel, which saves a conversations.open later.
    const auto tab = string_at(body, "/event/tab"_json_pointer);
    opened.home_tab = tab.empty() || tab == "home";
    const auto channel = string_at(body, "/event/channel"_json_pointer);
    if (channel.starts_with('D') && is_slack_id(channel)) opened.direct = {domain::platform::slack, channel};
    out.event = opened;
  } else if (out.event_type == "app_uninstalled" || out.event_type == "tokens_revoked") {
    domain::app_removed removed{{domain::platform::slack, string_at(body, "/team_id"_json_pointer)}, out.event_type};
    if (!is_slack_id(removed.workspace.id)) return parse_error{out.event_type + " without a valid team_id"};
    // tokens_revoked lists user and bot tokens; only the bot's own stops the app (smrel holds no
    // user tokens).
    if (out.event_type == "app_uninstalled" || names_bot_tokens(body)) out.event = std::move(removed);
  }
  return std::variant<url_verification, event_callback, app_rate_limited>{std::move(out)};
}

}  // namespace smrel::adapters::slack
