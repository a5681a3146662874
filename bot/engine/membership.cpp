#include "bot/engine/membership.hpp"

#include "bot/domain/plain_text.hpp"
#include "bot/engine/demo.hpp"
#include "bot/engine/text.hpp"
#include "bot/engine/views.hpp"
#include "bot/engine/wording.hpp"

namespace smrel::engine {

using scoring::locale;

std::string membership::schedule_sentence(locale lang, const domain::command_phrasing& phrasing) const {
  const auto& survey = core_.opts.survey;
  const auto when = weekly_moment(survey.pulse_day, survey.pulse_time, survey.timezone, lang);
  return tr(lang, "Your pulse arrives as a direct message every ", "Je pulse komt als direct bericht, elke ") + when +
         tr(lang, phrasing, "; {pulse} answers it any time.", "; {pulse} beantwoordt hem wanneer je wilt.");
}

domain::message membership::join(const domain::member_key& who, std::string_view team, locale lang) {
  const auto& phrasing = core_.phrasing(who.workspace);
  const auto g = scoring::parse_group(team);
  if (!g || *g == scoring::group::other) {
    return notice(tr(lang, phrasing, "Which team? {join sales}, {join marketing} or {join leadership}.",
                     "Welk team? {join sales}, {join marketing} of {join leadership}."));
  }
  const auto m = core_.store.upsert_member(who, lang, core_.clock.now());
  if (m.kind != domain::person_kind::person) {
    return notice(why_not_asked(m.kind, lang) + tr(lang, " Nothing was changed.", " Er is niets veranderd."));
  }
  core_.store.set_group(who, core_.pseudonyms.pseudonym(who), *g);
  core_.found.forget_member(who);
  core_.statuses.invalidate(who.workspace);
  auto text = tr(lang, "Thanks: your answers now count for ", "Dank je: je antwoorden tellen nu mee voor ") +
              std::string(*g == scoring::group::leadership ? tr(lang, "leadership", "de leiding") : std::string(team == "sales" ? "Sales" : "Marketing")) +
              tr(lang, ". Only groups of 5 or more are ever shown.", ". Alleen groepen van 5 of meer worden getoond.");
  if (core_.opts.on(who.workspace.on).pulses_sent_by_dm) text += " " + schedule_sentence(lang, phrasing);
  return notice(text);
}

std::optional<domain::message> membership::looked_up(const domain::member_key& who, const domain::person_facts& facts) {
  // Read now, not when the person was taken for the look-up: they may have opted out, or erased
  // everything, meanwhile.
  const auto m = core_.store.find_member(who);
  if (!m || is_demo_member(who)) return std::nullopt;
  if (facts.kind != m->kind) {
    core_.store.set_person_kind(who, core_.pseudonyms.pseudonym(who), facts.kind);
    core_.found.forget_member(who);
    core_.statuses.invalidate(who.workspace);
  }
  // Said to a guest or an external who joined a team, each time they are found so: the caller
  // sends it once (its dedupe key), so a send lost to a failure is made up for the next day. A
  // bot reads nothing.
  const bool reads = facts.kind == domain::person_kind::guest || facts.kind == domain::person_kind::external;
  if (!reads || facts.deactivated || m->group == scoring::group::other || m->opted_out) return std::nullopt;
  return notice(why_not_asked(facts.kind, m->locale) +
                tr(m->locale, " So you will get no more weekly pulses, and the answers you gave were erased.",
                   " Je krijgt dus geen wekelijkse pulse meer, en je gegeven antwoorden zijn gewist."));
}

domain::message membership::choose_language(const domain::member_key& who, locale chosen) {
  const auto m = core_.store.upsert_member(who, chosen, core_.clock.now());
  core_.store.set_locale(who, chosen);
  core_.found.forget_member(who);
  core_.locale_of(who);
  auto text = tr(chosen, "I will speak English with you.", "Ik spreek voortaan Nederlands met je.");
  if (m.group == scoring::group::other) {
    // Choosing a language does not enrol anyone in the weekly pulse; joining a team does.
    text += tr(chosen, core_.phrasing(who.workspace),
               " To get the pulse every week, type {join sales|marketing|leadership}.",
               " Typ {join sales|marketing|leadership} om de pulse elke week te krijgen.");
  }
  return notice(text);
}

domain::message membership::opt(const domain::member_key& who, bool out, locale lang) {
  const auto m = core_.store.upsert_member(who, lang, core_.clock.now());
  core_.store.set_opted_out(who, out);
  core_.found.forget_member(who);
  const auto& phrasing = core_.phrasing(who.workspace);
  if (out) {
    return notice(tr(lang, phrasing,
                     "You will get no more pulses. Your earlier answers stay (anonymous); {forget} erases them.",
                     "Je krijgt geen pulses meer. Je eerdere antwoorden blijven (anoniem); {forget} wist ze."));
  }
  if (m.group == scoring::group::other) {  // only joining a team enrols in the weekly pulse
    return notice(tr(lang, phrasing,
                     "Welcome back. To get the pulse every week, type {join sales|marketing|leadership}.",
                     "Welkom terug. Typ {join sales|marketing|leadership} om de pulse elke week te krijgen."));
  }
  return notice(tr(lang, "Welcome back: you will get the weekly pulse again.",
                   "Welkom terug: je krijgt de wekelijkse pulse weer."));
}

domain::message membership::forget_prompt(locale lang) {
  domain::message m;
  const auto text = tr(lang, "This erases your membership and every answer you gave, for good. Figures already shown are not recalculated backwards.",
                       "Dit wist je lidmaatschap en al je antwoorden, voorgoed. Eerder getoonde cijfers worden niet met terugwerkende kracht herberekend.");
  m.text(text).buttons({{tr(lang, "Erase my data", "Wis mijn gegevens"), std::string(forget_action), "me", domain::button::style::danger},
                        {tr(lang, "Cancel", "Annuleren"), std::string(forget_cancel_action), "me", domain::button::style::plain}});
  m.fallback_text = domain::plain_text(m);
  return m;
}

domain::message membership::on_click(const domain::button_click& click) {
  const auto lang = core_.locale_of(click.who);
  if (click.action == forget_action) {
    const auto pseudonym = core_.pseudonyms.pseudonym(click.who);
    core_.store.forget(click.who, pseudonym);
    core_.sheets.forget(pseudonym);
    core_.found.forget_member(click.who);
    core_.statuses.invalidate(click.who.workspace);
    return notice(tr(lang, "Done: your membership and all your answers are erased.", "Klaar: je lidmaatschap en al je antwoorden zijn gewist."));
  }
  if (click.action == forget_cancel_action) return notice(tr(lang, "Nothing was erased.", "Er is niets gewist."));
  return notice(tr(lang, "That button is not one of ours.", "Die knop is niet van ons."));
}

}  // namespace smrel::engine
