// The small administrative subcommands: migrate, check-config, export, serve.
#include <iostream>

#include "bot/engine/export.hpp"
#include "config/redact.hpp"
#include "bot/service/commands.hpp"
#include "bot/service/context.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/server_app.hpp"

namespace smrel::service {

int run_migrate(std::ostream& out) {
  const auto settings = load_settings();
  auto store = open_configured_store(settings);
  const int before = store->schema_version();
  const int applied = store->migrate();
  out << "schema version " << store->schema_version() << " (was " << before << ", applied " << applied << " migration"
      << (applied == 1 ? "" : "s") << ")\n";
  return exit_ok;
}

int run_check_config(std::ostream& out) {
  const auto loaded = config::load(config::process_environment());
  const auto& s = loaded.values;
  const auto secret = [](const std::string& value) { return value.empty() ? "not set" : "set"; };
  out << "configuration from " << loaded.source << " and the environment\n"
      << "  listen          " << s.http.listen << '\n'
      << "  database        " << config::redact_url(s.database) << '\n'
      << "  log level       " << s.log_level << '\n'
      << "  pseudonym key   " << secret(s.pseudonym_key) << '\n'
      << "  slack secret    " << secret(s.slack.signing_secret) << ", bot token " << secret(s.slack.bot_token) << '\n'
      << "  slack api       " << config::redact_url(s.slack.api_base) << '\n'
      << "  teams app       " << (s.teams.app_id.empty() ? "not set (local mode: loopback only)" : s.teams.app_id)
      << ", password " << secret(s.teams.app_password) << ", tenant "
      << (s.teams.tenant_id.empty() ? "not set (multi-tenant)" : s.teams.tenant_id) << '\n'
      << "  teams token     " << config::redact_url(s.teams.effective_token_url()) << '\n'
      << "  teams hosts     " << s.teams.service_hosts.size() << " allowed for serviceUrl\n"
      << "  admins          " << s.admins.size() << '\n'
      << "  survey          window " << s.survey.window_weeks << " weeks, minimum group " << s.survey.min_group_size
      << ", pulses " << s.survey.pulse_day << ' ' << s.survey.pulse_time << ", digest " << s.survey.digest_day << ' '
      << s.survey.digest_time << ' ' << s.survey.timezone << '\n';
  for (const auto& w : loaded.warnings) out << "warning: " << w.to_string() << '\n';
  for (const auto& p : loaded.problems) out << "error: " << p.to_string() << '\n';
  out << (loaded.ok() ? "ok\n" : "configuration is invalid\n");
  return loaded.ok() ? exit_ok : exit_usage;
}

int run_export(const export_args& args, std::ostream& out) {
  const auto settings = load_settings();
  auto store = open_migrated_store(settings);
  const auto workspace = pick_workspace(*store, args.workspace);
  if (args.answers) {
    engine::export_answers_csv(*store, workspace, out);
  } else {
    const domain::pseudonymizer pseudonyms(resolve_pseudonym_key(settings));
    const engine::calendar company_calendar(settings.survey);
    engine::release_ledger ledger(*store, pseudonyms, company_calendar, settings.survey);
    engine::export_weekly_csv(ledger, workspace, domain::system_clock{}.now(), out);
  }
  return exit_ok;
}

int run_serve() {
  const auto settings = load_settings();
  const domain::system_clock clock;
  std::unique_ptr<server_app> app;
  unsigned short port = 0;
  try {
    app = std::make_unique<server_app>(settings, clock);
    app->stop_on_signals();
    port = app->start();
  } catch (const command_error&) {
    throw;
  } catch (const std::exception& e) {
    throw command_error{std::string("cannot start: ") + e.what()};
  }
  const auto host = settings.http.listen.substr(0, settings.http.listen.rfind(':'));
  std::cout << "smrel listening on " << host << ':' << port << std::endl;  // flushed: scripts wait for it
  app->wait();
  log_event(log_level::info, "stopped", {});
  return exit_ok;
}

}  // namespace smrel::service
