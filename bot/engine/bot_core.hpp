#pragma once
// What every part of the bot works with: the store, pseudonyms, the clock and the options; the
// company's calendar and release ledger; the read-through lookups, the pulse sheets and the status
// cache. And the
// two questions every part asks: in which language, and may this person use admin commands.
#include <string_view>

#include "bot/domain/clock.hpp"
#include "bot/domain/ids.hpp"
#include "bot/domain/phrasing.hpp"
#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/engine/lookups.hpp"
#include "bot/engine/options.hpp"
#include "bot/engine/pulse_sheets.hpp"
#include "bot/engine/releases.hpp"
#include "bot/engine/status_cache.hpp"
#include "bot/storage/store.hpp"

namespace smrel::engine {

struct bot_core {
  bot_core(storage::store& s, const domain::pseudonymizer& p, const domain::clock& c, options o);
  bot_core(const bot_core&) = delete;
  bot_core& operator=(const bot_core&) = delete;

  /// The person's language: as they chose it, else as their platform says, else the company's.
  /// Remembered for the status hot path.
  scoring::locale locale_of(const domain::member_key& who, std::string_view platform_locale = {});
  /// Whether the person may use admin commands. The one place that decides it.
  /// Who may run admin commands in the workspace: its own admins, then SMREL_ADMINS, each once.
  std::vector<domain::member_key> admins_of(const domain::workspace_ref& workspace) const;
  bool is_admin(const domain::member_key& who) const;
  /// How commands are typed where the workspace is.
  const domain::command_phrasing& phrasing(const domain::workspace_ref& workspace) const {
    return opts.phrasing(workspace.on);
  }

  storage::store& store;
  const domain::pseudonymizer& pseudonyms;
  const domain::clock& clock;
  const options opts;
  const calendar company_calendar;
  release_ledger ledger;
  lookups found;
  pulse_sheets sheets;
  status_cache statuses;
};

}  // namespace smrel::engine
