#include "bot/service/context.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "bot/domain/hmac.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/service/logging.hpp"

namespace smrel::service {
namespace {

constexpr std::size_t generated_key_bytes = 32;

}  // namespace

config::settings load_settings() {
  auto loaded = config::load(config::process_environment());
  init_logging(loaded.values.log_level);
  if (!loaded.ok()) {
    std::string message = "invalid configuration (" + loaded.source + "):";
    for (const auto& p : loaded.problems) message += "\n  " + p.to_string();
    throw command_error{message, exit_usage};
  }
  return std::move(loaded.values);
}

std::unique_ptr<storage::store> open_configured_store(const config::settings& settings) {
  storage::open_options options;
  options.pool_size = settings.database_pool_size;
  return storage::open_store(settings.database, options);
}

std::unique_ptr<storage::store> open_migrated_store(const config::settings& settings) {
  try {
    auto store = open_configured_store(settings);
    if (const int applied = store->migrate(); applied > 0) {
      log_event(log_level::info, "schema_migrated", {{"applied", static_cast<long long>(applied)},
                                                     {"version", static_cast<long long>(store->schema_version())}});
    }
    return store;
  } catch (const storage::store_error& e) {
    throw command_error{std::string("storage: ") + e.what()};
  }
}

std::string resolve_pseudonym_key(const config::settings& settings) {
  if (!settings.pseudonym_key.empty()) return settings.pseudonym_key;
  if (!settings.database.starts_with("sqlite:")) {
    throw command_error{"SMREL_PSEUDONYM_KEY must be set when the database is shared", exit_usage};
  }
  const std::string path = settings.database.substr(7) + ".key";
  if (std::ifstream existing(path); existing) {
    std::stringstream content;
    content << existing.rdbuf();
    std::string key = content.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (key.size() < generated_key_bytes) throw command_error{"pseudonym key file " + path + " is too short"};
    return key;
  }
  const std::string key = domain::random_hex(generated_key_bytes);
  {
    // Create it private from the start rather than tightening it after writing.
    const auto old_mask = ::umask(077);
    std::ofstream file(path, std::ios::trunc);
    file << key << '\n';
    ::umask(old_mask);
    if (!file) throw command_error{"cannot write pseudonym key file " + path};
  }
  log_event(log_level::warn, "pseudonym_key_generated",
            {{"path", path}, {"hint", "set SMREL_PSEUDONYM_KEY in production and keep it stable"}});
  return key;
}

std::optional<domain::workspace_ref> parse_workspace(std::string_view text) {
  domain::workspace_ref ref;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    const auto p = domain::parse_platform(text.substr(0, colon));
    if (!p) return std::nullopt;
    ref.on = *p;
    text.remove_prefix(colon + 1);
  }
  if (text.empty() || text.size() > 128 || text.find_first_of(" \t\r\n,") != std::string_view::npos) return std::nullopt;
  ref.id = std::string(text);
  return ref;
}

domain::workspace_ref pick_workspace(storage::store& store, const std::optional<std::string>& named) {
  if (named) {
    const auto ref = parse_workspace(*named);
    if (!ref) throw command_error{"--workspace: \"" + *named + "\" is not a workspace id (T0123 or teams:<tenant>)", exit_usage};
    return *ref;
  }
  const auto all = store.workspaces();
  if (all.size() == 1) return all.front();
  if (all.empty()) throw command_error{"the database has no workspace yet (try `smrel demo`)"};
  std::string names;
  for (const auto& w : all) names += " " + std::string(domain::platform_id(w.on)) + ":" + w.id;
  throw command_error{"several workspaces in the database; pick one with --workspace:" + names, exit_usage};
}

scoring::iso_week current_week(const config::settings& settings, const domain::clock& clock) {
  return engine::calendar(settings.survey).week_of(clock.now());
}

}  // namespace smrel::service
