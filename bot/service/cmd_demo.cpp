#include <iostream>

#include "bot/domain/plain_text.hpp"
#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/demo.hpp"
#include "bot/engine/views.hpp"
#include "config/redact.hpp"
#include "bot/service/commands.hpp"
#include "bot/service/context.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/platforms.hpp"

namespace smrel::service {

int run_demo(const demo_args& args, std::ostream& out) {
  const auto settings = load_settings();
  const auto lang = scoring::parse_locale(args.locale);
  if (!lang) throw command_error{"--locale must be en or nl", exit_usage};
  if (args.weeks < 1 || args.weeks > 104) throw command_error{"--weeks must be from 1 to 104", exit_usage};
  engine::demo_options options;
  if (args.workspace) {
    const auto ref = parse_workspace(*args.workspace);
    if (!ref) throw command_error{"--workspace: \"" + *args.workspace + "\" is not a workspace id", exit_usage};
    options.workspace = *ref;
  }
  const domain::system_clock clock;
  options.current_week = current_week(settings, clock);
  options.weeks = args.weeks;

  auto store = open_migrated_store(settings);
  const domain::pseudonymizer pseudonyms(resolve_pseudonym_key(settings));
  const auto seeded = engine::seed_demo(*store, pseudonyms, settings.survey, options);
  log_event(log_level::info, "demo_seeded",
            {{"workspace", options.workspace.id}, {"members", static_cast<long long>(seeded.members)},
             {"pulses", static_cast<long long>(seeded.pulses)}, {"answers", static_cast<long long>(seeded.answers)}});

  // Shown as the bot would at this moment: the last week whose pulse has closed.
  const engine::calendar company_calendar(settings.survey);
  engine::release_ledger ledger(*store, pseudonyms, company_calendar, settings.survey);
  const auto summary = engine::summarize(*store, ledger, options.workspace, settings.survey, clock.now());
  out << "smrel demo: " << seeded.members << " people, " << seeded.pulses << " weekly pulses, " << seeded.answers
      << " answers stored in " << config::redact_url(settings.database) << " (workspace " << options.workspace.id << ").\n\n";
  const auto& phrasing = phrasing_for(options.workspace.on);
  out << "── " << phrasing.command("status") << " ──────────────────────────────────────────────\n"
      << domain::plain_text(engine::status_view(summary, *lang, phrasing)) << "\n\n";
  out << "── Weekly digest (leadership channel) ─────────────────────────\n"
      << domain::plain_text(engine::digest_view(summary, *lang, phrasing)) << '\n';
  return exit_ok;
}

}  // namespace smrel::service
