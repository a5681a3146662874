#include "bot/engine/bot_core.hpp"

#include <algorithm>

namespace smrel::engine {

bot_core::bot_core(storage::store& s, const domain::pseudonymizer& p, const domain::clock& c, options o)
    : store(s),
      pseudonyms(p),
      clock(c),
      opts(std::move(o)),
      company_calendar(opts.survey),
      ledger(s, p, company_calendar, opts.survey),
      found(s),
      sheets(s.single_process()),
      statuses(s, ledger, company_calendar, c, opts) {}

bool bot_core::is_admin(const domain::member_key& who) const {
  if (std::find(opts.admins.begin(), opts.admins.end(), who.user) != opts.admins.end()) return true;
  // The workspace's own admins (its installation), read from storage: a change made by another
  // replica counts at once.
  const auto installed = store.find_installation(who.workspace);
  return installed && std::find(installed->admins.begin(), installed->admins.end(), who.user) != installed->admins.end();
}

scoring::locale bot_core::locale_of(const domain::member_key& who, std::string_view platform_locale) {
  auto lang = scoring::parse_locale(opts.survey.default_locale).value_or(scoring::locale::en);
  if (const auto m = found.member(who)) {
    lang = m->locale;
  } else if (const auto l = scoring::parse_locale(platform_locale)) {
    lang = *l;
  }
  statuses.remember_locale(who, lang);
  return lang;
}

}  // namespace smrel::engine
