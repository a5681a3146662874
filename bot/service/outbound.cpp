#include "bot/service/outbound.hpp"

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "adapters/slack/blocks.hpp"

namespace smrel::service {
namespace {

std::string pulse_ref_json(const domain::member_key& who, std::int64_t pulse_id) {
  return nlohmann::json{{"workspace", who.workspace.id}, {"user", who.user}, {"pulse", pulse_id}}.dump();
}

}  // namespace

bool allowed_url(std::string_view url, const std::vector<std::string>& allowed_hosts) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return false;
  const auto scheme = parsed->scheme();
  if (scheme != "https" && scheme != "http") return false;
  if (parsed->has_userinfo()) return false;
  std::string host = parsed->encoded_host().decode();
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (scheme == "https" ? "443" : "80");
  const std::string default_port = scheme == "https" ? "443" : "80";
  for (const auto& entry : allowed_hosts) {
    // "host", "host:port", "[v6]" or "[v6]:port".
    const auto colon = entry.rfind(':');
    const auto bracket = entry.rfind(']');
    const bool has_port = colon != std::string::npos && (entry.front() != '[' || (bracket != std::string::npos && bracket < colon));
    std::string entry_host = has_port ? entry.substr(0, colon) : entry;
    if (entry_host.size() > 2 && entry_host.front() == '[') entry_host = entry_host.substr(1, entry_host.size() - 2);
    const std::string entry_port = has_port ? entry.substr(colon + 1) : default_port;
    if (entry_host == host && entry_port == port) return true;
  }
  return false;
}

storage::outbox_message slack_reply_via_response_url(std::string_view response_url, const domain::message& m,
                                                     bool replace_original, domain::time_point now) {
  storage::outbox_message out;
  out.on = domain::platform::slack;
  out.method = std::string(slack_response_url);
  out.target = std::string(response_url);
  if (replace_original) {
    out.payload = adapters::slack::replace_original_json(m);
  } else {
    out.payload = adapters::slack::command_reply_json(m);  // a new ephemeral message
  }
  // No dedupe key: each reply is its own, and a sent one may then be pruned.
  out.next_attempt_at = now;
  return out;
}

storage::outbox_message slack_pulse_update_via_response_url(std::string_view response_url, const domain::member_key& who,
                                                            std::int64_t pulse_id, std::string_view message_id,
                                                            domain::time_point now) {
  storage::outbox_message out;
  out.on = who.workspace.on;
  out.method = std::string(slack_pulse_update);
  out.target = std::string(response_url);
  out.payload = pulse_ref_json(who, pulse_id);
  // The body is rendered when it is sent, so one queued update of a message already shows every
  // click made before it goes: quick clicks on the same message share one row. Slack gives each
  // click its own response_url, all good for the same message, so the message names the row;
  // without a message id, the URL does.
  out.coalesce_key = std::string(slack_pulse_update) + ":" + who.workspace.id + ":" + who.user + ":" +
                     std::to_string(pulse_id) + ":" + (message_id.empty() ? std::string(response_url) : std::string(message_id));
  out.next_attempt_at = now;
  return out;
}

storage::outbox_message slack_pulse_by_dm(const domain::member_key& who, std::int64_t pulse_id, domain::time_point now) {
  storage::outbox_message out;
  out.on = who.workspace.on;
  out.method = std::string(slack_pulse_dm);
  out.target = who.user;
  out.payload = pulse_ref_json(who, pulse_id);
  out.dedupe_key = "dm.pulse:" + std::to_string(pulse_id) + ":" + who.user;
  out.next_attempt_at = now;
  return out;
}

std::optional<pulse_ref> parse_pulse_ref(std::string_view payload) {
  const auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("workspace") || !j.contains("user") || !j.contains("pulse") ||
      !j["workspace"].is_string() || !j["user"].is_string() || !j["pulse"].is_number_integer()) {
    return std::nullopt;
  }
  return pulse_ref{{{domain::platform::slack, j["workspace"].get<std::string>()}, j["user"].get<std::string>()},
                          j["pulse"].get<std::int64_t>()};
}

storage::outbox_message slack_post(std::string_view channel, const domain::message& m, std::string dedupe_key,
                                   domain::time_point now) {
  storage::outbox_message out;
  out.on = domain::platform::slack;
  out.method = std::string(slack_post_message);
  out.target = std::string(channel);
  out.payload = adapters::slack::post_message_json(channel, m);
  out.dedupe_key = std::move(dedupe_key);
  out.next_attempt_at = now;
  return out;
}

storage::outbox_message slack_home(std::string_view user, const domain::message& m, std::string dedupe_key,
                                   domain::time_point now) {
  storage::outbox_message out;
  out.on = domain::platform::slack;
  out.method = std::string(slack_publish_home);
  out.target = std::string(user);
  out.payload = adapters::slack::publish_home_json(user, m);
  out.dedupe_key = std::move(dedupe_key);
  out.next_attempt_at = now;
  return out;
}

}  // namespace smrel::service
