#include "bot/engine/answer_desk.hpp"

#include <algorithm>

#include "bot/engine/text.hpp"
#include "bot/engine/views.hpp"
#include "bot/engine/wording.hpp"

namespace smrel::engine {

answer_decision answer_desk::decide(const domain::button_click& click, scoring::locale lang, const click_facts& facts) {
  const auto& phrasing = core_.phrasing(click.who.workspace);
  const auto refuse = [&](std::string_view en, std::string_view nl) {
    answer_decision refused;
    refused.refusal = notice(tr(lang, phrasing, en, nl));
    return refused;
  };
  if (click.from_elsewhere) {
    return refuse(
        "You are from another organisation, so your answers are not counted here; nothing was stored.",
        "Je hoort bij een andere organisatie, dus je antwoorden tellen hier niet mee; er is niets opgeslagen.");
  }
  const auto button = parse_answer_button(click.value);
  if (!button) return refuse("That button is not one of ours; nothing was stored.", "Die knop is niet van ons; er is niets opgeslagen.");
  const auto& pulse = facts.pulse;
  if (!pulse || !(pulse->workspace == click.who.workspace)) {
    return refuse("That pulse does not exist here; nothing was stored.", "Die pulse bestaat hier niet; er is niets opgeslagen.");
  }
  const auto& delivery = facts.delivery;
  const bool asked = button->follow_up != 0
                         ? facts.nudge && facts.nudge->id == button->follow_up && facts.nudge->workspace == click.who.workspace &&
                               facts.nudge->follow_up_week == pulse->week
                         : delivery && std::find(delivery->items.begin(), delivery->items.end(), button->item) != delivery->items.end();
  if (!facts.member || !delivery || !asked) {
    return refuse("This pulse was not sent to you, so your click was not stored. Type {pulse} for your own.",
                  "Deze pulse is niet aan jou gestuurd, dus je klik is niet opgeslagen. Typ {pulse} voor je eigen pulse.");
  }
  const auto now = core_.clock.now();
  if (now >= pulse->closes_at) {
    return refuse("This pulse is closed; nothing was stored. Type {pulse} for this week's.",
                  "Deze pulse is gesloten; er is niets opgeslagen. Typ {pulse} voor die van deze week.");
  }
  if (facts.member->member.kind != domain::person_kind::person) {
    answer_decision refused;
    refused.refusal = notice(why_not_asked(facts.member->member.kind, lang) +
                             tr(lang, " Nothing was stored.", " Er is niets opgeslagen."));
    return refused;
  }
  if (facts.member->member.opted_out) {
    return refuse("You opted out; type {optin} to answer again.", "Je bent afgemeld; typ {optin} om weer te antwoorden.");
  }
  answer_decision accepted;
  accepted.pulse_id = pulse->id;
  accepted.in_weekly_dm = !delivery->sent.empty() && delivery->sent == click.message;
  accepted.people_version = facts.member->people_version;
  const auto pseudonym = pulses_.pseudonym(click.who);
  if (button->follow_up != 0) {
    accepted.follow_up = storage::follow_up_answer{button->follow_up, pseudonym, button->value, now};
  } else {
    accepted.answer = storage::new_answer{click.who.workspace, pulse->id, pseudonym, pulse->week,
                                          button->item, button->value, now, delivery->instrument};
  }
  return accepted;
}

answer_decision answer_desk::on_answer_click(const domain::button_click& click) {
  const auto lang = core_.locale_of(click.who);
  const auto button = parse_answer_button(click.value);
  click_facts facts;
  if (button) {
    facts.pulse = core_.found.pulse(button->pulse_id);
    facts.member = core_.found.member_as_known(click.who);
    if (facts.pulse && facts.member) facts.delivery = core_.found.delivery(facts.pulse->id, facts.member->member.id);
    if (facts.pulse && button->follow_up != 0) {
      for (auto& n : pulses_.follow_ups_asked(facts.pulse->workspace, facts.pulse->week)) {
        if (n.id == button->follow_up) facts.nudge = std::move(n);
      }
    }
  }
  return decide(click, lang, facts);
}

std::optional<answer_decision> answer_desk::on_answer_click_cached(const domain::button_click& click) {
  const auto button = parse_answer_button(click.value);
  if (!button) return std::nullopt;
  click_facts facts{core_.found.cached_pulse(button->pulse_id), core_.found.cached_member(click.who), std::nullopt, std::nullopt};
  if (!facts.pulse || !facts.member) return std::nullopt;
  facts.delivery = core_.found.cached_delivery(facts.pulse->id, facts.member->member.id);
  if (!facts.delivery) return std::nullopt;
  if (button->follow_up != 0) {
    // A week's pulse asks a follow-up or two beside its statements: a third of its buttons.
    auto asked = pulses_.cached_follow_ups_asked(facts.pulse->workspace, facts.pulse->week);
    if (!asked) return std::nullopt;
    for (auto& n : *asked) {
      if (n.id == button->follow_up) facts.nudge = std::move(n);
    }
  }
  return decide(click, facts.member->member.locale, facts);
}

}  // namespace smrel::engine
