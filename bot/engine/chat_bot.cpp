#include "bot/engine/chat_bot.hpp"

#include <algorithm>

#include "bot/engine/demo.hpp"
#include "bot/engine/text.hpp"
#include "bot/engine/views.hpp"
#include "scoring/rotation.hpp"

namespace smrel::engine {
namespace {

using scoring::locale;


std::string cache_key(const domain::workspace_ref& w) { return std::string(domain::platform_id(w.on)) + ":" + w.id; }

// Lower-cased words, split on white space (status is asked thousands of times a second).
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::string word;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
    }
    if (!word.empty()) out.push_back(std::move(word));
  }
  return out;
}

void add_join_tip(domain::message& view, locale lang) {
  view.context({tr(lang, "Tip: /smrel join sales|marketing|leadership so your answers count for your team.",
                   "Tip: /smrel join sales|marketing|leadership zodat je antwoorden voor je team meetellen.")});
}

}  // namespace

chat_bot::chat_bot(storage::store& store, const domain::pseudonymizer& pseudonyms, const domain::clock& clock,
                   config::settings settings)
    : store_(store), pseudonyms_(pseudonyms), clock_(clock), settings_(std::move(settings)), calendar_(settings_.survey),
      ledger_(store, pseudonyms, calendar_, settings_.survey), lookups_(store) {}

bool chat_bot::is_admin(const domain::member_key& who) const {
  return std::find(settings_.admins.begin(), settings_.admins.end(), who.user) != settings_.admins.end();
}

locale chat_bot::locale_of(const domain::member_key& who, std::string_view platform_locale) {
  locale lang = scoring::parse_locale(settings_.survey.default_locale).value_or(locale::en);
  if (const auto m = lookups_.member(who)) {
    lang = m->locale;
  } else if (const auto l = scoring::parse_locale(platform_locale)) {
    lang = *l;
  }
  std::lock_guard lock(cache_mutex_);
  if (known_locales_.size() >= max_cached_locales) known_locales_.clear();  // bounded: start over
  known_locales_.insert_or_assign(cache_key(who.workspace) + ":" + who.user, lang);
  return lang;
}

std::uint64_t chat_bot::version_of(const std::string& key) const {
  const auto it = versions_.find(key);
  return it == versions_.end() ? version_floor_ : it->second;
}

chat_bot::cache_sizes chat_bot::cached() const {
  std::lock_guard lock(cache_mutex_);
  return {cache_.size(), versions_.size(), known_locales_.size()};
}

std::shared_ptr<const domain::message> chat_bot::status_message(const domain::workspace_ref& workspace, locale lang) {
  const auto s = current_summary(workspace);
  const auto index = static_cast<std::size_t>(lang);
  {
    std::lock_guard lock(cache_mutex_);
    const auto it = cache_.find(cache_key(workspace));
    if (it != cache_.end() && it->second.value == s && it->second.status_views[index]) return it->second.status_views[index];
  }
  auto view = std::make_shared<const domain::message>(status_view(*s, lang));
  std::lock_guard lock(cache_mutex_);
  const auto it = cache_.find(cache_key(workspace));
  if (it != cache_.end() && it->second.value == s) it->second.status_views[index] = view;
  return view;
}

std::shared_ptr<const domain::message> chat_bot::cached_status(const domain::chat_command& command) {
  constexpr std::string_view status_verb = "status";
  const std::string_view text = command.text;  // already trimmed by the adapter
  if (text.size() != status_verb.size() ||
      !std::equal(text.begin(), text.end(), status_verb.begin(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
    return nullptr;
  }
  const auto now = clock_.now();
  const auto week = calendar_.week_of(now);
  const auto closed = ledger_.last_closed_week(now);
  const auto key = cache_key(command.who.workspace);
  std::lock_guard lock(cache_mutex_);
  const auto lang = known_locales_.find(key + ":" + command.who.user);
  const auto cached = cache_.find(key);
  if (lang == known_locales_.end() || cached == cache_.end() || cached->second.week != week ||
      cached->second.closed != closed || cached->second.version != version_of(key)) {
    return nullptr;
  }
  return cached->second.status_views[static_cast<std::size_t>(lang->second)];
}

void chat_bot::invalidate(const domain::workspace_ref& workspace) {
  std::lock_guard lock(cache_mutex_);
  if (versions_.size() >= max_cached_versions) {
    versions_.clear();
    version_floor_ = ++last_version_;
  }
  versions_.insert_or_assign(cache_key(workspace), ++last_version_);
}

std::shared_ptr<const summary> chat_bot::current_summary(const domain::workspace_ref& workspace) {
  const auto now = clock_.now();
  const auto week = calendar_.week_of(now);
  const auto closed = ledger_.last_closed_week(now);
  const auto key = cache_key(workspace);
  std::uint64_t version = 0;
  {
    std::lock_guard lock(cache_mutex_);
    version = version_of(key);
    const auto it = cache_.find(key);
    if (it != cache_.end() && it->second.week == week && it->second.closed == closed && it->second.version == version) {
      return it->second.value;
    }
  }
  // Built outside the lock: a concurrent duplicate build is cheaper than serialising all status calls.
  auto built = std::make_shared<const summary>(summarize(store_, ledger_, workspace, settings_.survey, now));
  std::lock_guard lock(cache_mutex_);
  if (version_of(key) == version) {
    if (cache_.size() >= max_cached_summaries && !cache_.contains(key)) cache_.clear();  // bounded: start over
    cache_.insert_or_assign(key, cached_summary{week, closed, version, built, {}});
  }
  return built;
}

command_result chat_bot::on_command(const domain::chat_command& command) {
  const auto& who = command.who;
  const auto lang = locale_of(who, command.locale);
  const auto args = words(command.text);
  const std::string verb = args.empty() ? "help" : args[0];
  const std::string arg = args.size() > 1 ? args[1] : "";

  if (verb == "status") return {status_reply(who, lang), {}, {}};
  if (verb == "pulse") return {pulse_reply(who, lang), {}, {}};
  if (verb == "join") return {join_reply(who, arg, lang), {}, {}};
  if (verb == "nudges") return {nudges_view(*current_summary(who.workspace), lang), {}, {}};
  if (verb == "digest") return digest_reply(command, arg, lang);
  if (verb == "language" && (arg == "en" || arg == "nl")) {
    const auto chosen = *scoring::parse_locale(arg);
    store_.upsert_member(who, chosen, clock_.now());
    store_.set_locale(who, chosen);
    lookups_.forget_member(who);
    locale_of(who);
    return {notice(tr(chosen, "I will speak English with you.", "Ik spreek voortaan Nederlands met je.")), {}, {}};
  }
  if (verb == "optout" || verb == "optin") {
    store_.upsert_member(who, lang, clock_.now());
    store_.set_opted_out(who, verb == "optout");
    lookups_.forget_member(who);
    return {notice(verb == "optout" ? tr(lang, "You will get no more pulses. Your earlier answers stay (anonymous); /smrel forget erases them.",
                                         "Je krijgt geen pulses meer. Je eerdere antwoorden blijven (anoniem); /smrel forget wist ze.")
                                    : tr(lang, "Welcome back: you will get the weekly pulse again.",
                                         "Welkom terug: je krijgt de wekelijkse pulse weer.")),
            {}, {}};
  }
  if (verb == "forget") return {forget_prompt(lang), {}, {}};
  return {help_view(lang, is_admin(who), settings_.survey.min_group_size), {}, {}};
}

domain::message chat_bot::status_reply(const domain::member_key& who, locale lang) {
  return *status_message(who.workspace, lang);
}

std::vector<storage::issued_nudge> chat_bot::follow_ups_asked(const domain::workspace_ref& workspace, scoring::iso_week week) {
  std::vector<storage::issued_nudge> out;
  for (auto& n : lookups_.follow_ups(workspace, week)) {
    if (!scoring::find_nudge(n.nudge_id)) continue;
    // The same nudge issued in two weeks would ask the same thing twice: once is enough.
    if (std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.nudge_id == n.nudge_id; })) continue;
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<follow_up_item> chat_bot::follow_up_items(const domain::workspace_ref& workspace, scoring::iso_week week,
                                                      const std::string& pseudonym) {
  std::vector<follow_up_item> out;
  for (const auto& n : follow_ups_asked(workspace, week)) {
    out.push_back({n.id, scoring::find_nudge(n.nudge_id), store_.follow_up_value(n.id, pseudonym)});
  }
  return out;
}

storage::pulse chat_bot::this_weeks_pulse(const domain::workspace_ref& workspace) {
  const auto week = calendar_.week_of(clock_.now());
  return store_.open_pulse(workspace, week, calendar_.week_start(week), calendar_.pulse_closes(week));
}

storage::delivery chat_bot::deliver(const storage::pulse& pulse, const storage::member& m) {
  const auto& items = scoring::pulse_statements(pulse.week, static_cast<std::uint32_t>(m.id));
  auto delivery = store_.record_delivery(pulse.id, m.id, items, clock_.now());
  lookups_.remember(delivery);
  return delivery;
}

pulse_state chat_bot::open_pulse_for(const storage::member& m) {
  pulse_state state;
  state.pulse = this_weeks_pulse(m.key.workspace);
  state.delivery = deliver(state.pulse, m);
  const auto pseudonym = pseudonyms_.pseudonym(m.key);
  state.answers = store_.answers_by(pseudonym, state.pulse.id);
  state.closed = clock_.now() >= state.pulse.closes_at;
  state.follow_ups = follow_up_items(m.key.workspace, state.pulse.week, pseudonym);
  return state;
}

domain::message chat_bot::pulse_reply(const domain::member_key& who, locale lang) {
  const auto known = lookups_.member(who);
  const auto m = known ? *known : store_.upsert_member(who, lang, clock_.now());
  if (m.opted_out) {
    return notice(tr(lang, "You opted out of pulses. Type /smrel optin to answer again.",
                     "Je hebt je afgemeld voor pulses. Typ /smrel optin om weer te antwoorden."));
  }
  auto view = pulse_view(open_pulse_for(m), lang);
  if (m.group == scoring::group::other) add_join_tip(view, lang);
  return view;
}

std::string chat_bot::schedule_sentence(locale lang) const {
  static constexpr std::array<std::string_view, 7> dutch_days{"maandag", "dinsdag", "woensdag", "donderdag",
                                                             "vrijdag", "zaterdag", "zondag"};
  const auto& survey = settings_.survey;
  std::string day = survey.pulse_day;
  if (const auto index = config::parse_weekday(day); index && lang == locale::nl) day = dutch_days[static_cast<std::size_t>(*index)];
  const auto when = day + " " + survey.pulse_time + " (" + survey.timezone + ")";
  return tr(lang, "Your pulse arrives as a direct message every ", "Je pulse komt elke ") + when +
         tr(lang, "; /smrel pulse answers it any time.", " als direct bericht; /smrel pulse beantwoordt hem wanneer je wilt.");
}

domain::message chat_bot::join_reply(const domain::member_key& who, std::string_view team, locale lang) {
  const auto g = scoring::parse_group(team);
  if (!g || *g == scoring::group::other) {
    return notice(tr(lang, "Which team? /smrel join sales, /smrel join marketing or /smrel join leadership.",
                     "Welk team? /smrel join sales, /smrel join marketing of /smrel join leadership."));
  }
  store_.upsert_member(who, lang, clock_.now());
  store_.set_group(who, pseudonyms_.pseudonym(who), *g);
  lookups_.forget_member(who);
  invalidate(who.workspace);
  auto text = tr(lang, "Thanks: your answers now count for ", "Dank je: je antwoorden tellen nu mee voor ") +
              std::string(*g == scoring::group::leadership ? tr(lang, "leadership", "de leiding") : std::string(team == "sales" ? "Sales" : "Marketing")) +
              tr(lang, ". Only groups of 5 or more are ever shown.", ". Alleen groepen van 5 of meer worden getoond.");
  if (!settings_.slack.bot_token.empty()) text += " " + schedule_sentence(lang);
  return notice(text);
}

command_result chat_bot::digest_reply(const domain::chat_command& command, std::string_view mode, locale lang) {
  if (!is_admin(command.who)) {
    return {notice(tr(lang, "Only admins can use /smrel digest (SMREL_ADMINS).", "Alleen beheerders kunnen /smrel digest gebruiken (SMREL_ADMINS).")), {}, {}};
  }
  if (mode == "here") {
    if (command.where.empty()) return {notice(tr(lang, "I cannot post here.", "Ik kan hier niet posten.")), {}, {}};
    auto result = weekly_digest(command.who.workspace, command.where, lang);
    result.reply = notice(tr(lang, "Posting this week's digest here.", "Het overzicht van deze week wordt hier geplaatst."));
    return result;
  }
  const auto s = current_summary(command.who.workspace);
  auto preview = digest_view(*s, lang);
  preview.visible_to_channel = false;
  return {std::move(preview), {}, {}};
}

domain::message chat_bot::forget_prompt(locale lang) {
  domain::message m;
  const auto text = tr(lang, "This erases your membership and every answer you gave, for good. Figures already shown are not recalculated backwards.",
                       "Dit wist je lidmaatschap en al je antwoorden, voorgoed. Eerder getoonde cijfers worden niet met terugwerkende kracht herberekend.");
  m.fallback_text = text;
  m.text(text).buttons({{tr(lang, "Erase my data", "Wis mijn gegevens"), std::string(forget_action), "me", domain::button::style::danger},
                        {tr(lang, "Cancel", "Annuleren"), std::string(forget_cancel_action), "me", domain::button::style::plain}});
  return m;
}

answer_decision chat_bot::decide(const domain::button_click& click, locale lang, const click_facts& facts) {
  const auto refuse = [&](std::string_view en, std::string_view nl) {
    answer_decision refused;
    refused.refusal = notice(tr(lang, en, nl));
    return refused;
  };
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
    return refuse("This pulse was not sent to you, so your click was not stored. Type /smrel pulse for your own.",
                  "Deze pulse is niet aan jou gestuurd, dus je klik is niet opgeslagen. Typ /smrel pulse voor je eigen pulse.");
  }
  const auto now = clock_.now();
  if (now >= pulse->closes_at) {
    return refuse("This pulse is closed; nothing was stored. Type /smrel pulse for this week's.",
                  "Deze pulse is gesloten; er is niets opgeslagen. Typ /smrel pulse voor die van deze week.");
  }
  if (facts.member->opted_out) {
    return refuse("You opted out; type /smrel optin to answer again.", "Je bent afgemeld; typ /smrel optin om weer te antwoorden.");
  }
  answer_decision accepted;
  accepted.pulse_id = pulse->id;
  if (button->follow_up != 0) {
    accepted.follow_up = storage::follow_up_answer{button->follow_up, pseudonyms_.pseudonym(click.who), button->value, now};
  } else {
    accepted.answer = storage::new_answer{click.who.workspace, pulse->id, pseudonyms_.pseudonym(click.who), pulse->week,
                                          button->item, button->value, now, delivery->instrument};
  }
  return accepted;
}

answer_decision chat_bot::on_answer_click(const domain::button_click& click) {
  const auto lang = locale_of(click.who);
  const auto button = parse_answer_button(click.value);
  click_facts facts;
  if (button) {
    facts.pulse = lookups_.pulse(button->pulse_id);
    facts.member = lookups_.member(click.who);
    if (facts.pulse && facts.member) facts.delivery = lookups_.delivery(facts.pulse->id, facts.member->id);
    if (facts.pulse && button->follow_up != 0) {
      for (auto& n : follow_ups_asked(facts.pulse->workspace, facts.pulse->week)) {
        if (n.id == button->follow_up) facts.nudge = std::move(n);
      }
    }
  }
  return decide(click, lang, facts);
}

std::optional<answer_decision> chat_bot::on_answer_click_cached(const domain::button_click& click) {
  const auto button = parse_answer_button(click.value);
  if (!button || button->follow_up != 0) return std::nullopt;  // follow-ups are rare: checked against storage
  click_facts facts{lookups_.cached_pulse(button->pulse_id), lookups_.cached_member(click.who), std::nullopt, std::nullopt};
  if (!facts.pulse || !facts.member) return std::nullopt;
  facts.delivery = lookups_.cached_delivery(facts.pulse->id, facts.member->id);
  if (!facts.delivery) return std::nullopt;
  return decide(click, facts.member->locale, facts);
}

std::optional<std::pair<storage::member, pulse_state>> chat_bot::pulse_state_of(const domain::member_key& who,
                                                                                 std::int64_t pulse_id) {
  const auto m = lookups_.member(who);
  const auto pulse = lookups_.pulse(pulse_id);
  const auto delivery = m && pulse ? lookups_.delivery(pulse_id, m->id) : std::nullopt;
  if (!delivery) return std::nullopt;
  const auto pseudonym = pseudonyms_.pseudonym(who);
  return std::pair{*m, pulse_state{*pulse, *delivery, store_.answers_by(pseudonym, pulse_id), clock_.now() >= pulse->closes_at,
                                   follow_up_items(who.workspace, pulse->week, pseudonym)}};
}

std::optional<domain::message> chat_bot::pulse_message(const domain::member_key& who, std::int64_t pulse_id) {
  const auto found = pulse_state_of(who, pulse_id);
  if (!found) return std::nullopt;
  return pulse_view(found->second, found->first.locale);
}

bool chat_bot::has_real_members(const domain::workspace_ref& workspace) {
  const auto all = store_.members(workspace);
  return std::any_of(all.begin(), all.end(), [](const storage::member& m) { return !is_demo_member(m.key); });
}

std::vector<chat_bot::pulse_recipient> chat_bot::open_weekly_pulse(const domain::workspace_ref& workspace) {
  // Deliveries only: what each person has answered is read when their DM is rendered.
  const auto pulse = this_weeks_pulse(workspace);
  std::vector<pulse_recipient> out;
  for (const auto& m : store_.members(workspace)) {
    if (m.opted_out || is_demo_member(m.key)) continue;
    deliver(pulse, m);
    out.push_back({m.key, pulse.id});
  }
  return out;
}

std::optional<domain::message> chat_bot::pulse_dm(const domain::member_key& who, std::int64_t pulse_id) {
  const auto found = pulse_state_of(who, pulse_id);
  if (!found) return std::nullopt;
  const auto& [m, state] = *found;
  // Someone who answered already through /smrel pulse or the Home tab is not asked again.
  if (m.opted_out || state.closed || all_answered(state)) return std::nullopt;
  auto view = pulse_view(state, m.locale);
  if (m.group == scoring::group::other) add_join_tip(view, m.locale);
  view.context({tr(m.locale, "You get this once a week. /smrel optout stops it; /smrel status shows where we stand.",
                   "Je krijgt dit eens per week. /smrel optout stopt het; /smrel status laat zien waar we staan.")});
  return view;
}

void chat_bot::pulse_dm_sent(const domain::member_key& who, std::int64_t pulse_id, const domain::message_ref& sent) {
  const auto m = lookups_.member(who);
  const auto delivery = m ? lookups_.delivery(pulse_id, m->id) : std::nullopt;
  if (delivery) store_.set_delivery_message(delivery->id, sent);
}

command_result chat_bot::weekly_digest(const domain::workspace_ref& workspace, const domain::conversation_ref& where,
                                       locale lang) {
  const auto s = current_summary(workspace);
  command_result result;
  // Nudges are issued in the week the digest goes out (the figures are of the last closed week).
  const auto now = clock_.now();
  const auto this_week = calendar_.week_of(now);
  result.posts.push_back({workspace, where, digest_view(*s, lang),
                          "digest:" + workspace.id + ":" + where.address + ":" + this_week.to_string()});
  result.issued = s->nudges;
  for (const auto& n : s->nudges) {
    store_.record_nudge({0, workspace, std::string(n.what->id), this_week, n.why(locale::en), now, this_week + follow_up_delay_weeks});
  }
  lookups_.forget_follow_ups();  // the nudges just issued are asked about later
  return result;
}

domain::message chat_bot::on_click(const domain::button_click& click) {
  const auto lang = locale_of(click.who);
  if (click.action == forget_action) {
    store_.forget(click.who, pseudonyms_.pseudonym(click.who));
    lookups_.forget_member(click.who);
    invalidate(click.who.workspace);
    return notice(tr(lang, "Done: your membership and all your answers are erased.", "Klaar: je lidmaatschap en al je antwoorden zijn gewist."));
  }
  if (click.action == forget_cancel_action) return notice(tr(lang, "Nothing was erased.", "Er is niets gewist."));
  return notice(tr(lang, "That button is not one of ours.", "Die knop is niet van ons."));
}

domain::message chat_bot::home_view(const domain::member_key& who) {
  const auto lang = locale_of(who);
  auto home = *status_message(who.workspace, lang);
  const auto m = lookups_.member(who);
  if (m && !m->opted_out) {
    const auto pulse = pulse_view(open_pulse_for(*m), lang);
    home.divider();
    for (const auto& b : pulse.blocks) home.add(b);
  } else {
    home.divider().text(tr(lang, "Type /smrel pulse to answer this week's statements.", "Typ /smrel pulse om de stellingen van deze week te beantwoorden."));
  }
  return home;
}

}  // namespace smrel::engine
