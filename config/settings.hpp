#pragma once
// Everything smrel can be configured with: one struct tree, filled from the JSON file named by
// SMREL_CONFIG and then from the environment (the environment wins).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smrel::config {

struct http_settings {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::string tls_cert_file;  // both set: serve HTTPS
  std::string tls_key_file;
  int threads = 2;
};

struct survey_settings {
  int window_weeks = 8;
  int min_group_size = 5;
  int trend_weeks = 12;  // points shown in status and digest
  std::string pulse_day = "monday";
  std::string pulse_time = "10:00";  // local time in `timezone`
  /// One reminder to whoever has not answered: "" is two working days after the pulse (Monday →
  /// Wednesday) but on a working day before it closes (Thursday → Friday), a weekday names the
  /// first such day after the pulse, "off" sends none. At reminder_time ("": the pulse time), in
  /// `timezone`.
  std::string reminder_day;
  std::string reminder_time;
  std::string digest_day = "friday";
  std::string digest_time = "09:00";
  std::string timezone = "UTC";
  int pulse_open_days = 7;
  std::string default_locale = "en";
  int max_nudges = 2;
  int small_team_size = 12;
};

/// What is kept once the app is removed from a workspace (uninstalled, its token revoked). The
/// people (members, their direct conversations, admins) are erased at once; the pseudonymous
/// answers, pulses, releases and nudges after this many days (0: at the next pruning, within
/// ten minutes), unless someone joins again first.
struct retention_settings {
  int days_after_removal = 30;
};

/// "monday" … "sunday" → days after Monday (0 … 6); nullopt for anything else.
std::optional<int> parse_weekday(std::string_view day);
/// "HH:MM" in 24-hour time → time after midnight; nullopt for anything else.
std::optional<std::chrono::minutes> parse_clock_time(std::string_view text);

struct slack_settings {
  std::string signing_secret;
  std::string bot_token;
  std::string api_base = "https://slack.com/api";
  std::vector<std::string> response_hosts{"hooks.slack.com"};
  std::string digest_channel;  // channel id for the weekly digest
};

struct teams_settings {
  std::string app_id;
  std::string app_password;
  std::string openid_url = "https://login.botframework.com/v1/.well-known/openidconfiguration";
  std::string token_url = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token";
  /// A single-tenant bot's tenant: the access token is asked of this tenant's authority (the
  /// default token_url names the Bot Framework's own, which only multi-tenant bots may use).
  std::string tenant_id;
  /// Where a serviceUrl may point (host or host:port); https only, except for loopback hosts.
  std::vector<std::string> service_hosts{"smba.trafficmanager.net", "smba.infra.gcc.teams.microsoft.com",
                                         "smba.infra.gov.teams.microsoft.us"};
  /// The token URL to use: token_url, or the tenant's authority when tenant_id is set and
  /// token_url was left at its default.
  std::string effective_token_url() const;
  /// No app id: the local mode (loopback peers with a loopback serviceUrl, no tokens either way).
  bool local_mode() const { return app_id.empty(); }
};

struct settings {
  http_settings http;
  std::string database = "sqlite:./smrel.db";  // sqlite:PATH or postgres://…
  /// PostgreSQL: connections each process keeps open for its work, at most, plus one for
  /// readiness probes (SQLite ignores it). Every replica opens its own, so replicas × (pool size
  /// + 1) must stay below the server's max_connections.
  std::size_t database_pool_size = 4;
  std::string log_level = "info";
  std::string pseudonym_key;  // secret; never logged
  std::vector<std::string> admins;  // chat user ids allowed admin commands
  survey_settings survey;
  retention_settings retention;
  slack_settings slack;
  teams_settings teams;
};

}  // namespace smrel::config
