#pragma once
// What every subcommand shares: the settings (file + environment, validated), the store, the
// pseudonym key, and the current week.
#include <memory>
#include <optional>
#include <string>

#include "bot/domain/clock.hpp"
#include "bot/domain/ids.hpp"
#include "bot/storage/store.hpp"
#include "config/load.hpp"
#include "scoring/iso_week.hpp"

namespace smrel::service {

/// Exit codes shared by all subcommands.
enum exit_code : int { exit_ok = 0, exit_failure = 1, exit_usage = 2 };

/// A failure to report as one line on stderr, then exit with `code`.
struct command_error {
  std::string message;
  int code = exit_failure;
};

/// Loads and validates settings; throws command_error naming every bad field.
config::settings load_settings();

/// Opens the configured store and brings its schema up to date.
/// The configured store (URL and pool size), as every command opens it.
std::unique_ptr<storage::store> open_configured_store(const config::settings& settings);
std::unique_ptr<storage::store> open_migrated_store(const config::settings& settings);

/// SMREL_PSEUDONYM_KEY, or for SQLite a random key kept beside the database in PATH.key
/// (created on first use, mode 0600). PostgreSQL deployments must set the key explicitly.
std::string resolve_pseudonym_key(const config::settings& settings);

/// "T0123" (Slack), "slack:T0123" or "teams:<tenant id>".
std::optional<domain::workspace_ref> parse_workspace(std::string_view text);

/// The only workspace in the store, or the one named; throws command_error otherwise.
domain::workspace_ref pick_workspace(storage::store& store, const std::optional<std::string>& named);

/// The week containing now, on the company's calendar (survey.timezone).
scoring::iso_week current_week(const config::settings& settings, const domain::clock& clock);

}  // namespace smrel::service
