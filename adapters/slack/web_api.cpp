#include "adapters/slack/web_api.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>

namespace smrel::adapters::slack {
namespace {

constexpr std::chrono::seconds default_retry_after{30};
constexpr std::chrono::seconds max_retry_after{15 * 60};

// ok:false errors that are worth retrying; every other error is a fact about the request or the
// workspace (channel_not_found, account_inactive, invalid_auth, …) and will not change by itself.
constexpr std::array<std::string_view, 6> transient_errors{"internal_error", "fatal_error", "service_unavailable",
                                                           "request_timeout", "team_added_to_org", "ratelimited"};

std::chrono::seconds parse_retry_after(std::string_view header) {
  long long seconds = 0;
  const auto [ptr, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (ec != std::errc{} || ptr != header.data() + header.size() || seconds < 0) return default_retry_after;
  return std::min(std::chrono::seconds{seconds}, max_retry_after);
}

// A string member, or "" when it is missing or of another type (conversations.open answers with a
// `channel` object, chat.postMessage with a `channel` string).
std::string string_field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Errors about the token, never about a person or a message: every call fails alike until an
// admin mends the install, so they hold the workspace's sends instead of failing each.
constexpr std::array<std::string_view, 5> token_errors{"token_revoked", "token_expired", "invalid_auth", "not_authed",
                                                       "account_inactive"};

domain::delivery_problem problem_of(std::string_view error) {
  using domain::delivery_problem;
  if (error == "channel_not_found") return delivery_problem::conversation_gone;
  if (error == "not_in_channel") return delivery_problem::not_in_conversation;
  if (error == "user_not_found" || error == "user_disabled") return delivery_problem::person_unreachable;
  if (error == "messages_tab_disabled") return delivery_problem::direct_messages_off;
  for (const auto token : token_errors) {
    if (error == token) return delivery_problem::credentials_refused;
  }
  return delivery_problem::none;
}

bool is_ok(const nlohmann::json& envelope) {
  const auto it = envelope.find("ok");
  return it != envelope.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

delivery_outcome classify_response(int status, std::string_view retry_after_header, std::string_view body,
                                   bool is_response_url) {
  delivery_outcome out;
  if (status == 429) {
    out.verdict = delivery_verdict::rate_limited;
    out.retry_after = parse_retry_after(retry_after_header);
    out.reason = "ratelimited";
    return out;
  }
  if (status >= 500 || status == 408) {
    out.verdict = delivery_verdict::retry;
    out.reason = "HTTP " + std::to_string(status);
    return out;
  }
  if (status < 200 || status >= 300) {
    out.verdict = delivery_verdict::permanent;  // 404 expired_url, 403, 410, …
    out.reason = "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + std::string(body.substr(0, 80)));
    return out;
  }
  if (is_response_url) {
    out.verdict = delivery_verdict::sent;
    return out;
  }
  const auto envelope = nlohmann::json::parse(body, nullptr, false);
  if (envelope.is_discarded() || !envelope.is_object() || !envelope.contains("ok")) {
    out.verdict = delivery_verdict::retry;  // a proxy page or a truncated answer: not Slack's word
    out.reason = "unreadable response";
    return out;
  }
  if (is_ok(envelope)) {
    out.verdict = delivery_verdict::sent;
    out.landed = {{domain::platform::slack, string_field(envelope, "channel")}, string_field(envelope, "ts")};
    return out;
  }
  out.reason = string_field(envelope, "error");
  if (out.reason.empty()) out.reason = "unknown_error";
  out.verdict = delivery_verdict::permanent;
  for (const auto transient : transient_errors) {
    if (out.reason == transient) out.verdict = delivery_verdict::retry;
  }
  out.problem = problem_of(out.reason);
  if (out.reason == "ratelimited") {
    out.verdict = delivery_verdict::rate_limited;
    out.retry_after = parse_retry_after(retry_after_header);
  }
  return out;
}

std::optional<std::string> opened_channel(std::string_view body) {
  const auto envelope = nlohmann::json::parse(body, nullptr, false);
  if (envelope.is_discarded() || !envelope.is_object() || !is_ok(envelope)) return std::nullopt;
  const auto channel = envelope.find("channel");
  if (channel == envelope.end() || !channel->is_object()) return std::nullopt;
  auto id = string_field(*channel, "id");
  if (id.empty()) return std::nullopt;
  return id;
}

}  // namespace smrel::adapters::slack
