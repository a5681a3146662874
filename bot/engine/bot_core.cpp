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

std::vector<domain::member_key> bot_core::admins_of(const domain::workspace_ref& workspace) const {
  std::vector<domain::member_key> out;
  const auto add = [&](const std::string& user) {
    domain::member_key who{workspace, user};
    if (!user.empty() && std::find(out.begin(), out.end(), who) == out.end()) out.push_back(std::move(who));
  };
  // The workspace's own admins (its installation), read from storage: a change made by another
  // replica counts at once.
  if (const auto installed = store.find_installation(workspace)) {
    for (const auto& user : installed->admins) add(user);
  }
  for (const auto& user : opts.admins) add(user);
  return out;
}

bool bot_core::is_admin(const domain::member_key& who) const {
  const auto admins = admins_of(who.workspace);
  return std::find(admins.begin(), admins.end(), who) != admins.end();
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
