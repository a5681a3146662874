#include "bot/engine/pulses.hpp"

#include <algorithm>

#include "bot/engine/demo.hpp"
#include "bot/engine/text.hpp"
#include "bot/engine/wording.hpp"
#include "scoring/rotation.hpp"

namespace smrel::engine {
namespace {

using scoring::locale;

void add_join_tip(domain::message& view, locale lang, const domain::command_phrasing& phrasing) {
  view.context({tr(lang, phrasing,
                   "Tip: {join sales|marketing|leadership} so your answers count for your team and the pulse comes "
                   "to you every week.",
                   "Tip: {join sales|marketing|leadership} zodat je antwoorden voor je team meetellen en je de pulse "
                   "elke week krijgt.")});
}

// What only the weekly DM says under the pulse, when it is sent and each time a click shows it
// again: until when it is open (`open_until`; none once it closed), the tip to join a team, and how
// to stop the DMs.
void dress_as_weekly_dm(domain::message& view, const storage::member& m, const domain::command_phrasing& phrasing,
                        std::optional<domain::moment> open_until) {
  if (!open_until) {
    // Shown once the week is over (the DM updated in place): where the results are.
    view.context({tr(m.locale, phrasing, "Results: type {status}.", "Resultaten: typ {status}.")});
    return;
  }
  auto words = tr(m.locale, "Open until ", "Open tot ") + open_until->in_words + ".";
  view.text(std::move(words), {std::move(*open_until)});
  if (m.group == scoring::group::other) add_join_tip(view, m.locale, phrasing);
  view.context({tr(m.locale, phrasing, "You get this once a week. {optout} stops it; {status} shows where we stand.",
                   "Je krijgt dit eens per week. {optout} stopt het; {status} laat zien waar we staan.")});
}

// Length-prefixed, so no two member keys share one whatever their ids hold.
std::string pseudonym_key(const domain::member_key& who) {
  const auto platform = domain::platform_id(who.workspace.on);
  std::string key;
  key.reserve(platform.size() + who.workspace.id.size() + who.user.size() + 8);
  key.append(platform).push_back('\x1f');
  key.append(std::to_string(who.workspace.id.size())).push_back(':');
  key.append(who.workspace.id).append(who.user);
  return key;
}

}  // namespace

std::string pulses::pseudonym(const domain::member_key& who) {
  auto key = pseudonym_key(who);
  {
    std::lock_guard lock(pseudonyms_mutex_);
    if (const auto found = pseudonyms_.find(key); found != pseudonyms_.end()) return found->second;
  }
  auto made = core_.pseudonyms.pseudonym(who);  // outside the lock: the HMAC is the slow part
  std::lock_guard lock(pseudonyms_mutex_);
  if (pseudonyms_.size() >= max_pseudonyms) pseudonyms_.clear();
  pseudonyms_.emplace(std::move(key), made);
  return made;
}

namespace {

// The sheet's value for each follow-up asked; nullopt when the sheet predates one of them.
std::optional<std::vector<follow_up_item>> follow_up_items(const std::vector<storage::issued_nudge>& asked,
                                                           const pulse_sheet& sheet) {
  std::vector<follow_up_item> out;
  out.reserve(asked.size());
  for (const auto& n : asked) {
    const auto known = std::find_if(sheet.follow_ups.begin(), sheet.follow_ups.end(),
                                    [&](const auto& f) { return f.first == n.id; });
    if (known == sheet.follow_ups.end()) return std::nullopt;
    out.push_back({n.id, scoring::find_nudge(n.nudge_id), known->second});
  }
  return out;
}

}  // namespace

std::vector<storage::issued_nudge> pulses::follow_ups_asked(const domain::workspace_ref& workspace, scoring::iso_week week) {
  return core_.found.follow_ups(workspace, week);
}

std::optional<std::vector<storage::issued_nudge>> pulses::cached_follow_ups_asked(
    const domain::workspace_ref& workspace, scoring::iso_week week) {
  return core_.found.cached_follow_ups(workspace, week);
}

void pulses::fill_answers(pulse_state& state, const std::string& pseudonym) {
  const auto& pulse = state.pulse;
  const auto asked = follow_ups_asked(pulse.workspace, pulse.week);
  if (const auto kept = core_.sheets.find(pseudonym, pulse.id)) {
    if (auto items = follow_up_items(asked, *kept)) {
      state.answers = kept->answers;
      state.follow_ups = std::move(*items);
      return;
    }
  }
  const auto ticket = core_.sheets.loading(pseudonym, pulse.id);
  pulse_sheet read;
  for (const auto& a : core_.store.answers_by(pseudonym, pulse.id)) read.answers.push_back({a.item, a.value});
  for (const auto& n : asked) read.follow_ups.emplace_back(n.id, core_.store.follow_up_value(n.id, pseudonym));
  state.answers = read.answers;
  state.follow_ups = *follow_up_items(asked, read);
  core_.sheets.loaded(pseudonym, pulse.id, ticket, std::move(read));
}

domain::moment pulses::closing_moment(const storage::pulse& pulse, locale lang) const {
  // The last minute it takes answers: "until Sunday 23:59" reads right, "until Monday 00:00" not.
  const auto last = pulse.closes_at - std::chrono::minutes{1};
  const auto local = core_.company_calendar.local_time_of(last);
  return {std::chrono::floor<std::chrono::seconds>(last).time_since_epoch().count(),
          moment_in_words(local.day, local.time_of_day, core_.opts.survey.timezone, lang), true,
          std::string(scoring::locale_id(lang))};
}

std::optional<domain::moment> pulses::open_until(const pulse_state& state, locale lang) const {
  if (state.closed) return std::nullopt;
  return closing_moment(state.pulse, lang);
}

storage::pulse pulses::this_weeks_pulse(const domain::workspace_ref& workspace) {
  const auto& days = core_.company_calendar;
  const auto week = days.week_of(core_.clock.now());
  return core_.store.open_pulse(workspace, week, days.week_start(week), days.pulse_closes(week));
}

storage::delivery pulses::deliver(const storage::pulse& pulse, const storage::member& m) {
  const bool known = core_.found.cached_delivery(pulse.id, m.id).has_value();
  const auto& items = scoring::pulse_statements(pulse.week, static_cast<std::uint32_t>(m.id));
  auto delivery = core_.store.record_delivery(pulse.id, m.id, items, core_.clock.now());
  core_.found.remember(delivery);
  // A new delivery is one more person asked this week: the status's "3 of 20" would be stale
  // (the scheduler's weekly DMs ask everyone at once).
  if (!known) core_.statuses.invalidate(pulse.workspace);
  return delivery;
}

pulse_state pulses::open_pulse_for(const storage::member& m) {
  pulse_state state;
  state.pulse = this_weeks_pulse(m.key.workspace);
  state.delivery = deliver(state.pulse, m);
  fill_answers(state, pseudonym(m.key));
  state.closed = core_.clock.now() >= state.pulse.closes_at;
  return state;
}

std::optional<std::pair<storage::member, pulse_state>> pulses::pulse_state_of(const domain::member_key& who, std::int64_t pulse_id) {
  const auto m = core_.found.member(who);
  const auto pulse = core_.found.pulse(pulse_id);
  const auto delivery = m && pulse ? core_.found.delivery(pulse_id, m->id) : std::nullopt;
  if (!delivery) return std::nullopt;
  pulse_state state{*pulse, *delivery, {}, core_.clock.now() >= pulse->closes_at, {}};
  fill_answers(state, pseudonym(who));
  return std::pair{*m, std::move(state)};
}

domain::message pulses::pulse_reply(const domain::member_key& who, locale lang) {
  const auto& phrasing = core_.phrasing(who.workspace);
  const auto known = core_.found.member(who);
  const auto m = known ? *known : core_.store.upsert_member(who, lang, core_.clock.now());
  if (m.kind != domain::person_kind::person) return notice(why_not_asked(m.kind, lang));
  if (m.opted_out) {
    return notice(tr(lang, phrasing, "You opted out of pulses. Type {optin} to answer again.",
                     "Je hebt je afgemeld voor pulses. Typ {optin} om weer te antwoorden."));
  }
  auto view = pulse_view(open_pulse_for(m), lang);
  if (m.group == scoring::group::other) add_join_tip(view, lang, phrasing);
  return view;
}

std::optional<domain::message> pulses::pulse_message(const domain::member_key& who, std::int64_t pulse_id,
                                                     bool as_weekly_dm) {
  const auto found = pulse_state_of(who, pulse_id);
  if (!found) return std::nullopt;
  auto view = pulse_view(found->second, found->first.locale);
  if (as_weekly_dm) {
    dress_as_weekly_dm(view, found->first, core_.phrasing(who.workspace),
                       open_until(found->second, found->first.locale));
  }
  return view;
}

std::optional<domain::message> pulses::pulse_message_cached(const domain::member_key& who, std::int64_t pulse_id,
                                                            bool as_weekly_dm) {
  const auto m = core_.found.cached_member(who);
  const auto pulse = core_.found.cached_pulse(pulse_id);
  if (!m || !pulse) return std::nullopt;
  const auto delivery = core_.found.cached_delivery(pulse_id, m->member.id);
  const auto asked = cached_follow_ups_asked(pulse->workspace, pulse->week);
  if (!delivery || !asked) return std::nullopt;
  const auto sheet = core_.sheets.find(pseudonym(who), pulse_id);
  if (!sheet) return std::nullopt;
  auto items = follow_up_items(*asked, *sheet);
  if (!items) return std::nullopt;
  const pulse_state state{*pulse, *delivery, sheet->answers, core_.clock.now() >= pulse->closes_at, std::move(*items)};
  auto view = pulse_view(state, m->member.locale);
  if (as_weekly_dm) {
    dress_as_weekly_dm(view, m->member, core_.phrasing(who.workspace), open_until(state, m->member.locale));
  }
  return view;
}

bool pulses::has_real_members(const domain::workspace_ref& workspace) {
  const auto all = core_.store.members(workspace);
  return std::any_of(all.begin(), all.end(), [](const storage::member& m) { return !is_demo_member(m.key); });
}

std::vector<pulse_recipient> pulses::open_weekly_pulse(const domain::workspace_ref& workspace) {
  // Deliveries only: what each person has answered is read when their DM is rendered.
  const auto pulse = this_weeks_pulse(workspace);
  std::vector<pulse_recipient> out;
  for (const auto& m : core_.store.members(workspace)) {
    // Only `join` enrols: the pulse and language commands keep a member (their answers, their
    // language) but ask nobody weekly who did not ask to be.
    if (m.opted_out || m.unreachable || m.kind != domain::person_kind::person || m.group == scoring::group::other ||
        is_demo_member(m.key)) {
      continue;
    }
    deliver(pulse, m);
    out.push_back({m.key, pulse.id});
  }
  return out;
}

std::optional<domain::message> pulses::pulse_dm(const domain::member_key& who, std::int64_t pulse_id) {
  const auto found = pulse_state_of(who, pulse_id);
  if (!found) return std::nullopt;
  const auto& [m, state] = *found;
  // Someone who answered already through the pulse command or the Home tab is not asked again.
  // Nor is anyone marked unreachable (or not a person) since the week's DMs were queued.
  if (m.opted_out || m.unreachable || m.kind != domain::person_kind::person || state.closed || all_answered(state)) {
    return std::nullopt;
  }
  auto view = pulse_view(state, m.locale);
  dress_as_weekly_dm(view, m, core_.phrasing(who.workspace), open_until(state, m.locale));
  return view;
}

std::optional<domain::message> pulses::reminder(const domain::member_key& who, std::int64_t pulse_id) {
  core_.found.forget_member(who);  // unasked: an opt-out or erasure elsewhere must stop it
  const auto found = pulse_state_of(who, pulse_id);
  if (!found) return std::nullopt;
  const auto& [m, state] = *found;
  // Rows are queued only for DMs that went out (store::sent_deliveries); the delivery cached here
  // may predate its sending on another replica, so it is not asked again.
  if (m.opted_out || m.unreachable || m.kind != domain::person_kind::person || state.closed || all_answered(state)) {
    return std::nullopt;
  }
  const auto total = static_cast<int>(state.delivery.items.size() + state.follow_ups.size());
  int answered = static_cast<int>(std::count_if(state.follow_ups.begin(), state.follow_ups.end(),
                                                [](const auto& f) { return f.given.has_value(); }));
  for (const auto item : state.delivery.items) {
    answered += std::any_of(state.answers.begin(), state.answers.end(), [&](const auto& a) { return a.item == item; });
  }
  const auto& phrasing = core_.phrasing(who.workspace);
  const auto lang = m.locale;
  auto until = closing_moment(state.pulse, lang);
  auto text = tr(lang, "A reminder: the pulse of ", "Een herinnering: de pulse van ") +
              week_in_words(state.pulse.week, lang) + tr(lang, " is open until ", " staat open tot ") + until.in_words +
              tr(lang, ", and you answered ", ", en je beantwoordde ") + std::to_string(answered) +
              tr(lang, " of ", " van ") + std::to_string(total) +
              tr(lang, phrasing, ". It takes under a minute: answer in the message above, or type {pulse}.",
                 ". Het kost minder dan een minuut: antwoord in het bericht hierboven, of typ {pulse}.");
  // No buttons: the DM above stays the one live pulse, and the closing update finds it.
  domain::message reminder;
  reminder.fallback_text = text;
  reminder.text(std::move(text), {std::move(until)});
  return reminder;
}

std::vector<sent_pulse> pulses::sent_pulse_dms(const domain::workspace_ref& workspace, scoring::iso_week week) {
  const auto pulse = core_.store.find_pulse(workspace, week);
  if (!pulse) return {};
  std::vector<sent_pulse> out;
  for (auto& d : core_.store.sent_deliveries(pulse->id))
    out.push_back({std::move(d.who), pulse->id, std::move(d.sent.sent)});
  return out;
}

void pulses::unreachable(const domain::member_key& who, std::int64_t pulse_id) {
  core_.store.mark_unreachable(who, pulse_id, core_.clock.now());
  core_.found.forget_member(who);
  core_.statuses.invalidate(who.workspace);  // fewer asked this week
}

void pulses::unreachable_from_now(const domain::member_key& who) {
  // Found, not opened: before this week's pulse there is no delivery to take back, and the
  // member's mark keeps the pulse from asking them when it opens.
  const auto week = core_.company_calendar.week_of(core_.clock.now());
  const auto pulse = core_.store.find_pulse(who.workspace, week);
  unreachable(who, pulse ? pulse->id : 0);  // 0 names no pulse: only the member is marked
}

void pulses::removed_app(const domain::member_key& who) {
  core_.store.forget_direct_conversation(who);
  unreachable_from_now(who);
}

bool pulses::added_app(const domain::member_key& who) {
  const auto m = core_.store.find_member(who);
  // Nobody to bring back: adding the app enrols no one.
  if (!m || !m->unreachable) return false;
  core_.store.upsert_member(who, m->locale, core_.clock.now());  // reachable again, otherwise unchanged
  core_.found.forget_member(who);
  core_.statuses.invalidate(who.workspace);
  return true;
}

void pulses::pulse_dm_sent(const domain::member_key& who, std::int64_t pulse_id, const domain::message_ref& sent) {
  const auto m = core_.found.member(who);
  auto delivery = m ? core_.found.delivery(pulse_id, m->id) : std::nullopt;
  if (!delivery) return;
  core_.store.set_delivery_message(delivery->id, sent);
  // Kept with the delivery, so a click on the DM is known to come from it (and the DM keeps its
  // footer when it is shown again).
  delivery->sent = sent;
  core_.found.remember(*delivery);
}

domain::message pulses::home_view(const domain::member_key& who) {
  const auto lang = core_.locale_of(who);
  auto home = *core_.statuses.status(who.workspace, lang);
  const auto m = core_.found.member(who);
  if (m && m->kind != domain::person_kind::person) {
    home.divider().text(why_not_asked(m->kind, lang));
  } else if (m && !m->opted_out) {
    const auto pulse = pulse_view(open_pulse_for(*m), lang);
    home.divider();
    for (const auto& b : pulse.blocks) home.add(b);
  } else {
    home.divider().text(tr(lang, core_.phrasing(who.workspace), "Type {pulse} to answer this week's statements.",
                           "Typ {pulse} om de stellingen van deze week te beantwoorden."));
  }
  return home;
}

}  // namespace smrel::engine
