#include "config/load.hpp"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace smrel::config {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 7> log_levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr std::size_t min_pseudonym_key_length = 32;

// Reads the keys of one JSON object into fields, and reports keys nobody asked for.
class object_reader {
 public:
  object_reader(const json& object, std::string prefix, std::vector<problem>& problems)
      : object_(object), prefix_(std::move(prefix)), problems_(problems) {}
  object_reader(const object_reader&) = delete;
  object_reader& operator=(const object_reader&) = delete;

  ~object_reader() {
    for (const auto& [key, value] : object_.items()) {
      if (!known_.contains(key)) problems_.push_back({path(key), "unknown setting"});
    }
  }

  template <class T>
  void read(const char* key, T& target) {
    known_.insert(key);
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return;
    if (!assign(*it, target)) problems_.push_back({path(key), "expected " + expected_type<T>()});
  }

  void read_milliseconds(const char* key, std::chrono::milliseconds& target) {
    long long ms = target.count();
    read(key, ms);
    target = std::chrono::milliseconds{ms};
  }

  // Calls `body` with a reader for the nested object `key`, if present.
  template <class F>
  void nested(const char* key, F&& body) {
    known_.insert(key);
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return;
    if (!it->is_object()) {
      problems_.push_back({path(key), "expected an object"});
      return;
    }
    object_reader inner(*it, path(key), problems_);
    body(inner);
  }

 private:
  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  static bool assign(const json& v, std::string& out) {
    if (!v.is_string()) return false;
    out = v.get<std::string>();
    return true;
  }
  static bool assign(const json& v, bool& out) {
    if (!v.is_boolean()) return false;
    out = v.get<bool>();
    return true;
  }
  template <class Int>
    requires std::is_integral_v<Int>
  static bool assign(const json& v, Int& out) {
    if (!v.is_number_integer()) return false;
    const auto wide = v.get<long long>();
    if (wide < static_cast<long long>(std::numeric_limits<Int>::min()) ||
        (wide > 0 && static_cast<unsigned long long>(wide) > std::numeric_limits<Int>::max())) {
      return false;
    }
    out = static_cast<Int>(wide);
    return true;
  }
  static bool assign(const json& v, std::vector<std::string>& out) {
    if (!v.is_array()) return false;
    std::vector<std::string> values;
    for (const auto& item : v) {
      if (!item.is_string()) return false;
      values.push_back(item.get<std::string>());
    }
    out = std::move(values);
    return true;
  }

  template <class T>
  static std::string expected_type() {
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    else if constexpr (std::is_same_v<T, bool>) return "true or false";
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "a list of strings";
    else return "a whole number in range";
  }

  const json& object_;
  std::string prefix_;
  std::vector<problem>& problems_;
  std::set<std::string> known_;
};

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::stringstream stream{std::string(text)};
  std::string item;
  while (std::getline(stream, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

bool is_http_url(std::string_view url) {
  return (url.starts_with("https://") && url.size() > 8) || (url.starts_with("http://") && url.size() > 7);
}

bool is_port(std::string_view text, bool allow_zero) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int port = std::stoi(std::string(text));
  return port <= 65535 && (allow_zero || port > 0);
}

// "host:port", "[::1]:port"; with `port_optional`, a bare host too.
bool is_host_port(std::string_view text, bool port_optional, bool allow_zero_port) {
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
      if (!is_port(port, allow_zero_port)) return false;
    } else if (!port_optional) {
      return false;
    }
    return true;
  }
  const auto colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (!is_port(port, allow_zero_port)) return false;
  } else if (!port_optional) {
    return false;
  }
  return !host.empty() && host.find_first_of(" /?#@") == std::string_view::npos;
}

bool is_https_or_loopback_url(std::string_view url) {
  if (url.starts_with("https://")) return url.size() > 8;
  for (const std::string_view loopback : {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]"}) {
    if (url.starts_with(loopback)) return true;
  }
  return false;
}

// A tenant as Entra names it in an authority URL: a GUID or a verified domain.
bool is_tenant_id(std::string_view text) {
  return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

bool is_time_zone(const std::string& name) {
  if (name == "UTC") return true;
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::runtime_error&) {
    return false;  // unknown name, or no tz database on this machine
  }
}

bool one_of(std::string_view value, std::span<const std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

template <class T>
void check_range(std::vector<problem>& problems, const char* field, T value, T low, T high, std::string_view why = {}) {
  if (value < low || value > high) {
    problems.push_back({field, "must be from " + std::to_string(low) + " to " + std::to_string(high) +
                                   (why.empty() ? "" : " (" + std::string(why) + ")") + ", got " +
                                   std::to_string(value)});
  }
}

}  // namespace

environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

void apply_json(std::string_view json_text, settings& s, std::vector<problem>& problems) {
  const json document = json::parse(json_text, nullptr, false);
  if (document.is_discarded()) {
    problems.push_back({"(file)", "is not valid JSON"});
    return;
  }
  if (!document.is_object()) {
    problems.push_back({"(file)", "must be a JSON object"});
    return;
  }
  object_reader root(document, "", problems);
  root.read("database", s.database);
  root.read("database_pool_size", s.database_pool_size);
  root.read("log_level", s.log_level);
  root.read("pseudonym_key", s.pseudonym_key);
  root.read("admins", s.admins);
  root.nested("http", [&](object_reader& r) {
    r.read("listen", s.http.listen);
    r.read("max_body_bytes", s.http.max_body_bytes);
    r.read("max_header_bytes", s.http.max_header_bytes);
    r.read("max_connections", s.http.max_connections);
    r.read_milliseconds("read_timeout_ms", s.http.read_timeout);
    r.read_milliseconds("write_timeout_ms", s.http.write_timeout);
    r.read_milliseconds("idle_timeout_ms", s.http.idle_timeout);
    r.read("tls_cert_file", s.http.tls_cert_file);
    r.read("tls_key_file", s.http.tls_key_file);
    r.read("threads", s.http.threads);
  });
  root.nested("survey", [&](object_reader& r) {
    r.read("window_weeks", s.survey.window_weeks);
    r.read("min_group_size", s.survey.min_group_size);
    r.read("trend_weeks", s.survey.trend_weeks);
    r.read("pulse_day", s.survey.pulse_day);
    r.read("pulse_time", s.survey.pulse_time);
    r.read("reminder_day", s.survey.reminder_day);
    r.read("reminder_time", s.survey.reminder_time);
    r.read("digest_day", s.survey.digest_day);
    r.read("digest_time", s.survey.digest_time);
    r.read("timezone", s.survey.timezone);
    r.read("pulse_open_days", s.survey.pulse_open_days);
    r.read("default_locale", s.survey.default_locale);
    r.read("max_nudges", s.survey.max_nudges);
    r.read("small_team_size", s.survey.small_team_size);
  });
  root.nested("retention", [&](object_reader& r) { r.read("days_after_removal", s.retention.days_after_removal); });
  root.nested("slack", [&](object_reader& r) {
    r.read("signing_secret", s.slack.signing_secret);
    r.read("bot_token", s.slack.bot_token);
    r.read("api_base", s.slack.api_base);
    r.read("response_hosts", s.slack.response_hosts);
    r.read("digest_channel", s.slack.digest_channel);
  });
  root.nested("teams", [&](object_reader& r) {
    r.read("app_id", s.teams.app_id);
    r.read("app_password", s.teams.app_password);
    r.read("openid_url", s.teams.openid_url);
    r.read("token_url", s.teams.token_url);
    r.read("tenant_id", s.teams.tenant_id);
    r.read("service_hosts", s.teams.service_hosts);
  });
}

void apply_environment(const environment& env, settings& s, std::vector<problem>& problems) {
  const auto set = [&](std::string_view name, std::string& target) {
    if (auto value = env(name)) target = std::move(*value);
  };
  set("SMREL_LISTEN", s.http.listen);
  set("SMREL_DB", s.database);
  set("SMREL_LOG_LEVEL", s.log_level);
  set("SMREL_PSEUDONYM_KEY", s.pseudonym_key);
  set("SMREL_SLACK_SIGNING_SECRET", s.slack.signing_secret);
  set("SMREL_SLACK_BOT_TOKEN", s.slack.bot_token);
  set("SMREL_SLACK_API_BASE", s.slack.api_base);
  set("SMREL_SLACK_DIGEST_CHANNEL", s.slack.digest_channel);
  set("SMREL_TEAMS_APP_ID", s.teams.app_id);
  set("SMREL_TEAMS_APP_PASSWORD", s.teams.app_password);
  set("SMREL_TEAMS_OPENID_URL", s.teams.openid_url);
  set("SMREL_TEAMS_TOKEN_URL", s.teams.token_url);
  set("SMREL_TEAMS_TENANT_ID", s.teams.tenant_id);
  if (auto hosts = env("SMREL_TEAMS_SERVICE_HOSTS")) {
    s.teams.service_hosts = split_list(*hosts);
    if (s.teams.service_hosts.empty()) problems.push_back({"SMREL_TEAMS_SERVICE_HOSTS", "lists no host"});
  }
  if (auto hosts = env("SMREL_SLACK_RESPONSE_HOSTS")) {
    s.slack.response_hosts = split_list(*hosts);
    if (s.slack.response_hosts.empty()) problems.push_back({"SMREL_SLACK_RESPONSE_HOSTS", "lists no host"});
  }
  if (auto admins = env("SMREL_ADMINS")) s.admins = split_list(*admins);
}

void validate(const settings& s, std::vector<problem>& problems, std::vector<problem>& warnings) {
  if (!is_host_port(s.http.listen, false, true)) {
    problems.push_back({"http.listen", "must be host:port (e.g. 127.0.0.1:8080, [::1]:0), got \"" + s.http.listen + "\""});
  }
  check_range<std::size_t>(problems, "http.max_body_bytes", s.http.max_body_bytes, 1024, 64 * 1024 * 1024);
  check_range<std::size_t>(problems, "http.max_header_bytes", s.http.max_header_bytes, 1024, 1024 * 1024);
  check_range<std::size_t>(problems, "http.max_connections", s.http.max_connections, 1, 100'000);
  check_range<long long>(problems, "http.read_timeout_ms", s.http.read_timeout.count(), 100, 600'000);
  check_range<long long>(problems, "http.write_timeout_ms", s.http.write_timeout.count(), 100, 600'000);
  check_range<long long>(problems, "http.idle_timeout_ms", s.http.idle_timeout.count(), 100, 3'600'000);
  check_range(problems, "http.threads", s.http.threads, 1, 64);
  if (s.http.tls_cert_file.empty() != s.http.tls_key_file.empty()) {
    problems.push_back({"http.tls_cert_file", "TLS needs both tls_cert_file and tls_key_file"});
  }

  if (s.database.starts_with("sqlite:")) {
    if (s.database.size() == 7) problems.push_back({"database", "sqlite: needs a file path, e.g. sqlite:./smrel.db"});
  } else if (!s.database.starts_with("postgres://") && !s.database.starts_with("postgresql://")) {
    problems.push_back({"database", "must be sqlite:PATH or a postgres:// URL"});
  }
  check_range<std::size_t>(problems, "database_pool_size", s.database_pool_size, 1, 100);
  check_range(problems, "retention.days_after_removal", s.retention.days_after_removal, 0, 3650);
  if (!one_of(s.log_level, log_levels)) {
    problems.push_back({"log_level", "must be one of trace, debug, info, warn, error, critical, off"});
  }
  if (s.pseudonym_key.empty()) {
    warnings.push_back({"pseudonym_key", "not set (SMREL_PSEUDONYM_KEY); a random key is kept in a file next to the SQLite database"});
  } else if (s.pseudonym_key.size() < min_pseudonym_key_length) {
    problems.push_back({"pseudonym_key", "must be at least 32 characters (it keys the pseudonyms), got " +
                                             std::to_string(s.pseudonym_key.size())});
  }
  for (const auto& admin : s.admins) {
    if (admin.empty() || admin.find_first_of(" \t") != std::string::npos) {
      problems.push_back({"admins", "\"" + admin + "\" is not a chat user id"});
    }
  }

  const auto& v = s.survey;
  check_range(problems, "survey.window_weeks", v.window_weeks, 1, 104);
  if (v.min_group_size < 3) {
    problems.push_back({"survey.min_group_size", "must be at least 3 (the anonymity floor), got " + std::to_string(v.min_group_size)});
  } else {
    check_range(problems, "survey.min_group_size", v.min_group_size, 3, 1000);
  }
  check_range(problems, "survey.trend_weeks", v.trend_weeks, 1, 104);
  check_range(problems, "survey.pulse_open_days", v.pulse_open_days, 1, 14);
  check_range(problems, "survey.max_nudges", v.max_nudges, 0, 5);
  check_range(problems, "survey.small_team_size", v.small_team_size, 0, 1000);
  for (const auto& [field, day] : {std::pair{"survey.pulse_day", &v.pulse_day}, std::pair{"survey.digest_day", &v.digest_day}}) {
    if (!parse_weekday(*day)) problems.push_back({field, "must be a weekday in English, lower case (monday…sunday)"});
  }
  for (const auto& [field, time] : {std::pair{"survey.pulse_time", &v.pulse_time}, std::pair{"survey.digest_time", &v.digest_time}}) {
    if (!parse_clock_time(*time)) problems.push_back({field, "must be HH:MM in 24-hour time, got \"" + *time + "\""});
  }
  if (!v.reminder_day.empty() && v.reminder_day != "off" && !parse_weekday(v.reminder_day)) {
    problems.push_back(
        {"survey.reminder_day", "must be empty (two working days after the pulse), off, or a weekday (monday…sunday)"});
  }
  if (!v.reminder_time.empty() && !parse_clock_time(v.reminder_time)) {
    problems.push_back({"survey.reminder_time",
                        "must be empty (the pulse time) or HH:MM in 24-hour time, got \"" + v.reminder_time + "\""});
  }
  if (!is_time_zone(v.timezone)) {
    problems.push_back({"survey.timezone", "\"" + v.timezone + "\" is not an IANA time zone such as Europe/Amsterdam (tzdata installed?)"});
  }
  if (v.default_locale != "en" && v.default_locale != "nl") {
    problems.push_back({"survey.default_locale", "must be en or nl"});
  }

  if (!is_http_url(s.slack.api_base)) problems.push_back({"slack.api_base", "must be an http:// or https:// URL"});
  if (s.slack.response_hosts.empty()) problems.push_back({"slack.response_hosts", "must list at least one host"});
  for (const auto& host : s.slack.response_hosts) {
    if (!is_host_port(host, true, false)) problems.push_back({"slack.response_hosts", "\"" + host + "\" is not host or host:port"});
  }
  if (!s.slack.bot_token.empty() && s.slack.signing_secret.empty()) {
    warnings.push_back({"slack.signing_secret", "not set: every Slack request will be refused"});
  }
  // The signing keys come from here: plain http only on loopback (tests, local fakes).
  if (!is_https_or_loopback_url(s.teams.openid_url)) {
    problems.push_back({"teams.openid_url", "must be an https:// URL (http:// only for localhost or 127.0.0.1)"});
  }
  if (!is_http_url(s.teams.token_url)) problems.push_back({"teams.token_url", "must be an http:// or https:// URL"});
  for (const auto& host : s.teams.service_hosts) {
    if (!is_host_port(host, true, false)) problems.push_back({"teams.service_hosts", "\"" + host + "\" is not host or host:port"});
  }
  if (!s.teams.tenant_id.empty() && !is_tenant_id(s.teams.tenant_id)) {
    problems.push_back({"teams.tenant_id", "must be a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com"});
  }
  if (s.teams.app_id.empty() != s.teams.app_password.empty()) {
    warnings.push_back({"teams.app_id", "Teams needs both the app id and the app password"});
  }
}

load_result load(const environment& env) {
  load_result result;
  result.source = "defaults";
  if (const auto path = env("SMREL_CONFIG"); path && !path->empty()) {
    result.source = *path;
    std::ifstream file(*path, std::ios::binary);
    if (!file) {
      result.problems.push_back({"SMREL_CONFIG", "cannot read \"" + *path + "\""});
      return result;
    }
    std::stringstream content;
    content << file.rdbuf();
    apply_json(content.str(), result.values, result.problems);
  }
  apply_environment(env, result.values, result.problems);
  validate(result.values, result.problems, result.warnings);
  return result;
}

std::optional<int> parse_weekday(std::string_view day) {
  static constexpr std::array<std::string_view, 7> weekdays{"monday", "tuesday", "wednesday", "thursday",
                                                            "friday", "saturday", "sunday"};
  const auto found = std::find(weekdays.begin(), weekdays.end(), day);
  if (found == weekdays.end()) return std::nullopt;
  return static_cast<int>(found - weekdays.begin());
}

std::optional<std::chrono::minutes> parse_clock_time(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (const auto i : {0U, 1U, 3U, 4U}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return std::chrono::hours{hours} + std::chrono::minutes{minutes};
}

std::string teams_settings::effective_token_url() const {
  const teams_settings defaults;
  if (tenant_id.empty() || token_url != defaults.token_url) return token_url;
  return "https://login.microsoftonline.com/" + tenant_id + "/oauth2/v2.0/token";
}

}  // namespace smrel::config
