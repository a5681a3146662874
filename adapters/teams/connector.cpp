#include "adapters/teams/connector.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cctype>

namespace smrel::adapters::teams {
namespace {

using json = nlohmann::json;
using domain::delivery_outcome;
using domain::delivery_problem;
using domain::delivery_verdict;

constexpr std::chrono::seconds default_retry_after{2};  // the rate-limit guide's shortest backoff
constexpr std::chrono::seconds max_retry_after{15 * 60};
constexpr std::string_view bot_id_prefix = "28:";
constexpr std::size_t max_reason_chars = 120;

// Percent-encodes one path segment: everything but RFC 3986's unreserved characters, so the
// ':', ';', '@' and '=' in conversation ids ("19:…@thread.tacv2;messageid=1") stay in their segment.
std::string segment(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

std::string base(std::string_view service_url) {
  while (!service_url.empty() && service_url.back() == '/') service_url.remove_suffix(1);
  return std::string(service_url) + "/v3/conversations";
}

std::string activities_url(const conversation_address& c) { return base(c.service_url) + "/" + segment(c.conversation) + "/activities"; }

std::string string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::string> id_of(std::string_view body) {
  const auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto id = string_field(doc, "id");
  if (id.empty()) return std::nullopt;
  return id;
}

std::chrono::seconds parse_retry_after(std::string_view header) {
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  // An HTTP-date or a fraction: we do not read the clock here, so the default it is.
  if (header.empty() || ec != std::errc{} || end != header.data() + header.size() || seconds < 0) return default_retry_after;
  return std::min(std::chrono::seconds{seconds}, max_retry_after);
}

// {"error":{"code":"ConversationBlockedByUser","message":"…"}}, sometimes with a subCode
// ("MessageWritesBlocked"). Codes only: messages may quote user content.
struct error_code {
  std::string code;
  std::string sub_code;
};

error_code error_of(std::string_view body) {
  const auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return {};
  const auto error = doc.find("error");
  if (error == doc.end() || !error->is_object()) return {};
  return {string_field(*error, "code").substr(0, max_reason_chars), string_field(*error, "subCode").substr(0, max_reason_chars)};
}

bool transient(int status) {
  // 500 ServiceError is "no retry" in Teams' table, but a 500 is as often a passing fault of the
  // service as anything; the outbox bounds attempts, and losing a weekly pulse to one bad second
  // costs more than a few extra calls. 408 is a proxy's timeout.
  return status == 408 || status == 412 || (status >= 500 && status <= 599);
}

struct url_parts {
  std::string scheme;
  std::string host;  // lower case; IPv6 literals with their brackets
  std::optional<std::uint16_t> port;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 5 || ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// Splits "host", "host:port", "[v6]" or "[v6]:port"; nullopt when malformed.
std::optional<url_parts> parse_authority(std::string_view authority) {
  url_parts out;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = lower(authority.substr(0, close + 1));
    rest = authority.substr(close + 1);
  } else {
    const auto colon = authority.find(':');
    out.host = lower(authority.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (out.host.empty() || out.host == "[]") return std::nullopt;
  for (const char c : out.host) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '.' && c != '-' && c != '[' && c != ']' && c != ':') return std::nullopt;
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    out.port = parse_port(rest.substr(1));
    if (!out.port) return std::nullopt;
  }
  return out;
}

std::optional<url_parts> parse_url(std::string_view url) {
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '\\') return std::nullopt;  // no spaces, controls or smuggled hosts
  }
  const auto marker = url.find("://");
  if (marker == std::string_view::npos) return std::nullopt;
  const auto scheme = lower(url.substr(0, marker));
  if (scheme != "https" && scheme != "http") return std::nullopt;
  const auto rest = url.substr(marker + 3);
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // user info: "https://good@evil/"
  auto parts = parse_authority(authority);
  if (!parts) return std::nullopt;
  parts->scheme = scheme;
  return parts;
}

bool loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 as four decimal octets.
  if (host.substr(0, 4) != "127.") return false;
  int octets = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const auto end = std::min(host.find('.', start), host.size());
    const auto octet = host.substr(start, end - start);
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(octet.data(), octet.data() + octet.size(), value);
    if (octet.empty() || octet.size() > 3 || ec != std::errc{} || ptr != octet.data() + octet.size() || value > 255) return false;
    ++octets;
    start = end + 1;
  }
  return octets == 4;
}

bool on_list(const url_parts& url, const std::vector<std::string>& hosts) {
  for (const auto& entry : hosts) {
    const auto allowed = parse_authority(entry);
    if (!allowed || allowed->host != url.host) continue;
    if (!allowed->port) return true;
    const std::uint16_t default_port = url.scheme == "https" ? 443 : 80;
    if (*allowed->port == url.port.value_or(default_port)) return true;
  }
  return false;
}

}  // namespace

connector_call reply_call(const reply_address& to, std::string activity_json) {
  return {"POST", activities_url(to.conversation) + "/" + segment(to.activity_id), std::move(activity_json)};
}

connector_call post_call(const conversation_address& to, std::string activity_json) {
  return {"POST", activities_url(to), std::move(activity_json)};
}

connector_call update_call(const reply_address& to, std::string activity_json) {
  return {"PUT", activities_url(to.conversation) + "/" + segment(to.activity_id), std::move(activity_json)};
}

connector_call create_conversation_call(const contact& who, std::string_view bot_id) {
  json body{{"isGroup", false}, {"members", json::array({{{"id", who.user}}})}};
  if (!who.tenant.empty()) body["tenantId"] = who.tenant;
  if (!bot_id.empty()) {
    body["bot"] = {{"id", bot_id.substr(0, bot_id_prefix.size()) == bot_id_prefix ? std::string(bot_id)
                                                                                     : std::string(bot_id_prefix) + std::string(bot_id)}};
  }
  return {"POST", base(who.service_url), body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

std::optional<std::string> resource_id(std::string_view body) { return id_of(body); }
std::optional<std::string> created_conversation_id(std::string_view body) { return id_of(body); }

delivery_outcome classify(int status, std::string_view body, std::string_view retry_after_header) {
  delivery_outcome out;
  out.landed.conversation.on = domain::platform::teams;
  if (status >= 200 && status <= 299) {
    out.verdict = delivery_verdict::sent;
    out.landed.id = resource_id(body).value_or("");
    return out;
  }
  const auto error = error_of(body);
  out.reason = error.code.empty() ? "HTTP " + std::to_string(status) : error.code;
  if (!error.sub_code.empty()) out.reason += "/" + error.sub_code;
  if (status == 429) {
    out.verdict = delivery_verdict::rate_limited;
    out.retry_after = parse_retry_after(retry_after_header);
    return out;
  }
  if (transient(status)) {
    out.verdict = delivery_verdict::retry;
    return out;
  }
  out.verdict = delivery_verdict::permanent;
  if (status == 401) {
    // The connector refuses the bot's token (the plug already tried a fresh one): every call
    // would fail alike, so sends are held rather than failed one by one.
    out.reason = std::string(unauthorized_reason) + (error.code.empty() ? "" : ": " + out.reason);
    out.problem = delivery_problem::credentials_refused;
    return out;
  }
  if (error.code == "ConversationBlockedByUser" || error.code == "ConversationNotFound" || error.sub_code == "MessageWritesBlocked") {
    out.problem = delivery_problem::conversation_gone;
  } else if (error.code == "BotNotInConversationRoster") {
    out.problem = delivery_problem::not_in_conversation;
  }
  return out;
}

bool service_url_allowed(std::string_view service_url, const std::vector<std::string>& hosts) {
  const auto url = parse_url(service_url);
  if (!url || !on_list(*url, hosts)) return false;
  return url->scheme == "https" || loopback_host(url->host);
}

bool loopback_url(std::string_view url) {
  const auto parts = parse_url(url);
  return parts && loopback_host(parts->host);
}

}  // namespace smrel::adapters::teams
