#include "bot/engine/views.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

#include "bot/domain/plain_text.hpp"
#include "bot/engine/text.hpp"
#include "bot/engine/wording.hpp"

namespace smrel::engine {
namespace {

using scoring::locale;

std::string stage_line(const summary& s, locale lang) {
  const auto& r = s.report;
  std::string line = tr(lang, "Stage: ", "Fase: ") + stage_label(r, lang) + " · " +
                     tr(lang, "score ", "score ") + format_score(r.score) + tr(lang, " of 100", " van 100");
  return line;
}

std::string trend_line(const summary& s, locale lang) {
  const auto& r = s.report;
  std::string line = tr(lang, "Trend ", "Trend ") + sparkline(r.trend);
  const auto week = describe_change(r.trend.back(), lang);
  if (!week.empty()) line += "  " + week;
  if (r.overall_change.change != scoring::trend_change::none) line += "; " + describe_change_since(r.overall_change, lang);
  return line;
}

// The text fallback is what notifications show and screen readers read: there the sparkline's
// block characters ("lower one eighth block, …") become the scores they draw.
std::string fallback_with_spoken_trend(const domain::message& m, const summary& s, locale lang) {
  auto text = domain::plain_text(m);
  const auto drawn = sparkline(s.report.trend);
  if (const auto at = text.find(drawn); !drawn.empty() && at != std::string::npos) {
    text.replace(at, drawn.size(), spoken_trend(s.report.trend, lang));
  }
  return text;
}

std::string participation_text(const summary& s, locale lang) {
  std::string line;
  if (s.people.asked_this_week > 0) {
    line = tr(lang, "This week: ", "Deze week: ") + std::to_string(s.people.answered_this_week) + tr(lang, " of ", " van ") +
           std::to_string(s.people.asked_this_week) + " (" + percent(s.people.answered_this_week, s.people.asked_this_week) + ")";
  }
  if (s.people.unreachable > 0) {
    // Said, so a low count is not read as people ignoring the pulse.
    if (!line.empty()) line += " · ";
    line += std::to_string(s.people.unreachable) +
            (s.people.unreachable == 1
                 ? tr(lang, " person who cannot be reached (deactivated or gone) is not asked",
                      " persoon die niet bereikbaar is (gedeactiveerd of weg) wordt niet gevraagd")
                 : tr(lang, " people who cannot be reached (deactivated or gone) are not asked",
                      " mensen die niet bereikbaar zijn (gedeactiveerd of weg) worden niet gevraagd"));
  }
  if (s.people.not_counted > 0) {
    if (!line.empty()) line += " · ";
    line += std::to_string(s.people.not_counted) +
            (s.people.not_counted == 1
                 ? tr(lang, " person who joined is a guest, from another organisation or an app: not asked or counted",
                      " persoon die zich aanmeldde is gast, van een andere organisatie of een app: niet gevraagd of "
                      "meegeteld")
                 : tr(lang, " people who joined are guests, from other organisations or apps: not asked or counted",
                      " mensen die zich aanmeldden zijn gasten, van andere organisaties of apps: niet gevraagd of "
                      "meegeteld"));
  }
  if (!line.empty()) line += " · ";
  line += std::to_string(s.people.respondents) + tr(lang, " people answered in the last ", " mensen antwoordden in de laatste ") +
          std::to_string(s.report.window_weeks) + tr(lang, " weeks", " weken");
  if (s.newer) line += " · " + newer_week_note(*s.newer, lang);
  return line;
}

std::vector<std::string> group_fields(const summary& s, locale lang) {
  std::vector<std::string> fields;
  for (const auto g : {scoring::group::sales, scoring::group::marketing, scoring::group::leadership}) {
    const auto& e = s.report.group_score(g);
    fields.push_back(group_label(g, lang) + "\n" + (e.shown ? format_score(e) : withheld_label(e.why, lang)) +
                     (s.carried.groups[static_cast<std::size_t>(g)] ? as_of_note(*s.carried.groups[static_cast<std::size_t>(g)], lang) : std::string()));
  }
  return fields;
}

std::string privacy_note(const summary& s, locale lang) {
  return tr(lang, "Anonymous: no figure about fewer than ", "Anoniem: geen cijfer over minder dan ") +
         std::to_string(s.report.min_group_size) + tr(lang, " people. Brackets: 95% interval.", " mensen. Tussen haakjes: 95%-interval.");
}

domain::message suppressed_view(const summary& s, locale lang, const domain::command_phrasing& phrasing, std::string title) {
  domain::message m;
  const int missing = std::max(1, s.report.min_group_size - s.report.score.respondents);
  const auto text =
      !s.released ? not_released_text(lang, phrasing)
      : s.report.score.why == scoring::withheld::too_few_changed || s.report.score.why == scoring::withheld::combination
          ? withheld_label(s.report.score.why, lang)
          : tr(lang, "Not enough answers yet to show a score: ", "Nog niet genoeg antwoorden voor een score: ") +
                std::to_string(missing) +
                (missing == 1 ? tr(lang, " more person needed.", " persoon meer nodig.") : tr(lang, " more people needed.", " mensen meer nodig.")) +
                tr(lang, phrasing, " Answer this week's pulse with {pulse}.", " Beantwoord de pulse van deze week met {pulse}.");
  m.header(std::move(title)).text(text).context({participation_text(s, lang), privacy_note(s, lang)});
  m.fallback_text = domain::plain_text(m);
  return m;
}

void add_nudge(domain::message& m, const scoring::chosen_nudge& n, locale lang, bool full) {
  std::string text = std::string(n.what->title.in(lang)) + "\n" + n.why(lang);
  if (full) text += "\n" + tr(lang, "Start: ", "Start: ") + std::string(n.what->action.in(lang));
  m.text(std::move(text));
  if (full) {
    m.context({tr(lang, "In a few weeks we will ask: “", "Over een paar weken vragen we: “") + std::string(n.what->follow_up.in(lang)) + "”"});
  }
}

}  // namespace

domain::message notice(std::string text) {
  domain::message m;
  m.fallback_text = text;
  m.text(std::move(text));
  return m;
}

domain::message status_view(const summary& s, locale lang, const domain::command_phrasing& phrasing) {
  const auto title = "Sales × Marketing, " + week_in_words(s.report.as_of, lang);
  if (!s.report.score.shown) return suppressed_view(s, lang, phrasing, title);
  domain::message m;
  m.header(title).text(stage_line(s, lang) + "\n" + trend_line(s, lang)).fields(group_fields(s, lang));
  m.text(gap_line(s.report, lang) + (s.carried.dimensions ? as_of_note(*s.carried.dimensions, lang) : std::string()));
  if (const auto unsure = dont_know_lines(s.report, lang, 1); !unsure.empty()) {
    m.text(unsure + dont_know_weeks(s, lang));
  }
  if (!s.nudges.empty()) {
    m.divider();
    add_nudge(m, s.nudges.front(), lang, false);
  }
  m.context({participation_text(s, lang), privacy_note(s, lang)});
  m.fallback_text = fallback_with_spoken_trend(m, s, lang);
  return m;
}

domain::message digest_view(const summary& s, locale lang, const domain::command_phrasing& phrasing) {
  const auto title = tr(lang, "Weekly Sales × Marketing digest, ", "Wekelijks overzicht Sales × Marketing, ") +
                     week_in_words(s.report.as_of, lang);
  if (!s.report.score.shown) return suppressed_view(s, lang, phrasing, title);
  domain::message m;
  m.visible_to_channel = true;
  m.header(title).text(stage_line(s, lang) + "\n" + trend_line(s, lang)).fields(group_fields(s, lang));
  std::vector<const scoring::dimension_result*> dims;
  for (const auto& d : s.report.dimensions) {
    if (d.mean.shown) dims.push_back(&d);
  }
  std::sort(dims.begin(), dims.end(), [](const auto* a, const auto* b) { return a->mean.value < b->mean.value; });
  std::string table = tr(lang, "Dimensions, weakest first (1–5)", "Onderwerpen, zwakste eerst (1–5)") +
                      (s.carried.dimensions ? as_of_note(*s.carried.dimensions, lang) : std::string()) + ":";
  for (const auto* d : dims) {
    table += "\n" + std::string(scoring::dimension_name(d->dim, lang)) + "  " + format_mean(d->mean.value, lang);
    if (d->sales.shown && d->marketing.shown) {
      table += "  (Sales " + format_mean(d->sales.value, lang) + " / Marketing " +
               format_mean(d->marketing.value, lang) + ")";
      if (d->perception_gap) table += tr(lang, " ← gap", " ← verschil");
    }
  }
  m.text(table);
  if (const auto unsure = dont_know_lines(s.report, lang, 3); !unsure.empty()) {
    m.text(tr(lang, "What people cannot see from where they work", "Wat mensen vanuit hun werk niet kunnen zien") +
           dont_know_weeks(s, lang) + ":\n" + unsure);
  }
  if (!s.nudges.empty()) {
    m.divider().text(tr(lang, "What to do next", "Wat nu te doen"));
    for (const auto& n : s.nudges) add_nudge(m, n, lang, true);
  }
  if (!s.follow_ups.empty()) m.divider().text(follow_up_text(s, lang));
  m.context({participation_text(s, lang), privacy_note(s, lang)});
  m.fallback_text = fallback_with_spoken_trend(m, s, lang);
  return m;
}

domain::message nudges_view(const summary& s, locale lang) {
  domain::message m;
  const auto title = tr(lang, "Next steps for Sales × Marketing", "Volgende stappen voor Sales × Marketing");
  if (s.nudges.empty()) {
    const auto text = s.report.score.shown ? tr(lang, "No nudges this week.", "Geen suggesties deze week.")
                                           : tr(lang, "Nudges appear once enough people have answered.",
                                                "Suggesties verschijnen zodra genoeg mensen hebben geantwoord.");
    m.header(title).text(text);
  } else {
    m.header(title);
    for (const auto& n : s.nudges) add_nudge(m, n, lang, true);
  }
  m.fallback_text = domain::plain_text(m);
  return m;
}

domain::message help_view(locale lang, const domain::command_phrasing& phrasing, bool is_admin, int min_group_size) {
  domain::message m;
  std::string text = tr(lang, phrasing,
                        "{status} — where Sales and Marketing stand\n"
                        "{pulse} — answer this week's statements\n"
                        "{join sales|marketing|leadership} — say which team you are in\n"
                        "{nudges} — what to do next, and why\n"
                        "{language en|nl} — English or Dutch\n"
                        "{optout} · {optin} — stop or restart pulses\n"
                        "{forget} — erase your membership and all your answers",
                        "{status} — hoe Sales en Marketing ervoor staan\n"
                        "{pulse} — beantwoord de stellingen van deze week\n"
                        "{join sales|marketing|leadership} — in welk team zit je\n"
                        "{nudges} — wat nu te doen, en waarom\n"
                        "{language en|nl} — Engels of Nederlands\n"
                        "{optout} · {optin} — pulses stoppen of hervatten\n"
                        "{forget} — je lidmaatschap en al je antwoorden wissen");
  if (is_admin) {
    text += tr(lang, phrasing, "\n{digest preview} — see this week's digest\n{digest here} — post it in this channel",
               "\n{digest preview} — bekijk het overzicht van deze week\n{digest here} — plaats het in dit kanaal");
  }
  text += tr(lang,
             "\n\nThe statements are smrel's own, based on the article \"Ending the War Between Sales and Marketing\" "
             "(Kotler, Rackham & Krishnaswamy, HBR 2006) — not the article's questionnaire. Rate each 1–5, or answer "
             "\"Can't judge\" when you cannot see it from where you work: that is counted, never scored.",
             "\n\nDe stellingen zijn van smrel zelf, gebaseerd op het artikel \"Ending the War Between Sales and Marketing\" "
             "(Kotler, Rackham & Krishnaswamy, HBR 2006) — niet de vragenlijst uit het artikel. Geef elke stelling 1–5, of "
             "antwoord \"Weet ik niet\" als je het vanuit je werk niet kunt zien: dat telt mee, maar niet in de score.");
  m.header("smrel").text(text).context({tr(lang, "Answers are anonymous; figures need at least ", "Antwoorden zijn anoniem; cijfers vragen minstens ") +
                                        std::to_string(min_group_size) + tr(lang, " people.", " mensen.")});
  m.fallback_text = domain::plain_text(m);
  return m;
}

domain::message pulse_view(const pulse_state& state, locale lang) {
  domain::message m;
  // A title, an introduction and a footer; a statement, an answer and a row of buttons each.
  m.blocks.reserve(3 + 3 * (state.delivery.items.size() + state.follow_ups.size()));
  const auto title = tr(lang, "Your Sales × Marketing pulse, ", "Jouw Sales × Marketing-pulse, ") +
                     week_in_words(state.pulse.week, lang);
  m.header(title);
  m.text(tr(lang, "How much do you agree? 1 = strongly disagree … 5 = strongly agree; \"Can't judge\" when you cannot see it from where you work. Your answers are anonymous.",
            "Hoe eens ben je het ermee? 1 = helemaal oneens … 5 = helemaal eens; \"Weet ik niet\" als je het vanuit je werk niet kunt zien. Je antwoorden zijn anoniem."));
  int answered = 0;
  std::string fallback = title;
  // `given` is the answer so far, 0 for none (not std::optional: GCC 12 warns falsely on it here).
  // Every statement, a nudge's follow-up too, has a sixth button: "can't judge".
  static_assert(scoring::highest_rating <= 9 && scoring::dont_know <= 9, "an answer is the value's last digit");
  // A row's button values share everything but the last digit (see answer_button_value); its
  // block id is that prefix and the answer shown ("p12.q03.a4"), so a row that changed gets a
  // fresh id and Slack draws it anew rather than keeping what it drew. Built once a row: this
  // view is made on every click.
  const auto answer_row = [&](int given, const std::string& value_prefix) {
    const auto value_of = [&](int v) { return value_prefix + static_cast<char>('0' + v); };
    if (given != 0) {
      ++answered;
      const auto number = given == scoring::dont_know ? std::string() : std::to_string(given) + " · ";
      m.context({tr(lang, "Your answer: ", "Jouw antwoord: ") + number + std::string(scoring::rating_label(given, lang)) +
                 (state.closed ? "" : tr(lang, " (click another to change it)", " (klik een ander om te wijzigen)"))});
    }
    if (state.closed) return;
    const auto style_of = [&](int v) { return given == v ? domain::button::style::primary : domain::button::style::plain; };
    std::vector<domain::button> row;
    row.reserve(scoring::highest_rating - scoring::lowest_rating + 2);
    for (int v = scoring::lowest_rating; v <= scoring::highest_rating; ++v) {
      const std::string number(1, static_cast<char>('0' + v));
      const auto label = scoring::rating_label(v, lang);
      std::string spoken;
      spoken.reserve(number.size() + 5 + label.size());
      spoken.append(number).append(" — ").append(label);
      row.push_back({number, std::string(answer_action), value_of(v), style_of(v), std::move(spoken)});
    }
    row.push_back({tr(lang, "Can't judge", "Weet ik niet"), std::string(answer_action), value_of(scoring::dont_know),
                   style_of(scoring::dont_know)});
    m.buttons(std::move(row), value_prefix + "a" + std::to_string(given));
  };
  for (const auto item : state.delivery.items) {
    int given = 0;
    for (const auto& a : state.answers) {
      if (a.item == item) given = a.value;
    }
    // In the wording the pulse was sent in: an answer is recorded against that wording.
    auto text = scoring::wording(item, state.delivery.instrument, lang);
    if (text.empty()) text = scoring::statements()[item].text(lang);
    m.text(std::string(text));
    fallback += "\n• " + std::string(text);
    answer_row(given, answer_button_prefix(state.pulse.id, item));
  }
  for (const auto& f : state.follow_ups) {
    const auto text = tr(lang, "A few weeks ago we suggested: ", "Een paar weken geleden stelden we voor: ") +
                      std::string(f.what->title.in(lang)) + "\n" + std::string(f.what->follow_up.in(lang));
    m.text(text);
    fallback += "\n• " + std::string(f.what->follow_up.in(lang));
    answer_row(f.given.value_or(0), follow_up_button_prefix(state.pulse.id, f.nudge));
  }
  const int total = static_cast<int>(state.delivery.items.size() + state.follow_ups.size());
  std::string footer = std::to_string(answered) + tr(lang, " of ", " van ") + std::to_string(total) + tr(lang, " answered", " beantwoord");
  if (state.closed) {
    footer += tr(lang, " · this pulse is closed", " · deze pulse is gesloten");
  } else if (answered == total) {
    footer += tr(lang, " · thank you!", " · dank je!");
  }
  m.context({footer});
  m.fallback_text = fallback + "\n" + footer;
  return m;
}

bool all_answered(const pulse_state& state) {
  const bool statements = std::all_of(state.delivery.items.begin(), state.delivery.items.end(), [&](std::uint8_t item) {
    return std::any_of(state.answers.begin(), state.answers.end(), [&](const auto& a) { return a.item == item; });
  });
  return statements && std::all_of(state.follow_ups.begin(), state.follow_ups.end(), [](const auto& f) { return f.given.has_value(); });
}

std::string answer_button_prefix(std::int64_t pulse_id, std::uint8_t item) {
  return "p" + std::to_string(pulse_id) + "." + std::string(scoring::statements()[item].id) + ".";
}

std::string follow_up_button_prefix(std::int64_t pulse_id, std::int64_t nudge) {
  return "p" + std::to_string(pulse_id) + ".n" + std::to_string(nudge) + ".";
}

std::string answer_button_value(std::int64_t pulse_id, std::uint8_t item, int value) {
  return answer_button_prefix(pulse_id, item) + std::to_string(value);
}

std::string follow_up_button_value(std::int64_t pulse_id, std::int64_t nudge, int value) {
  return follow_up_button_prefix(pulse_id, nudge) + std::to_string(value);
}

namespace {

std::optional<std::int64_t> parse_id(std::string_view digits) {
  std::int64_t id = 0;
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (id <= 0) return std::nullopt;
  return id;
}

}  // namespace

std::optional<answer_button> parse_answer_button(std::string_view value) {
  // p<digits>.q<2 digits>.<1 digit>  or  p<digits>.n<digits>.<1 digit>
  const auto first_dot = value.find('.');
  const auto last_dot = value.rfind('.');
  if (value.size() < 7 || value.front() != 'p' || first_dot == std::string_view::npos || last_dot != value.size() - 2 ||
      last_dot <= first_dot + 1) {
    return std::nullopt;
  }
  const auto pulse_id = parse_id(value.substr(1, first_dot - 1));
  const char v = value.back();
  if (!pulse_id || v < '1' || v > '0' + scoring::dont_know) return std::nullopt;
  answer_button out;
  out.pulse_id = *pulse_id;
  out.value = static_cast<std::uint8_t>(v - '0');
  const auto middle = value.substr(first_dot + 1, last_dot - first_dot - 1);
  if (middle.front() == 'n') {
    const auto nudge = parse_id(middle.substr(1));
    if (!nudge) return std::nullopt;
    out.follow_up = *nudge;
    return out;
  }
  const auto item = middle.size() == 3 ? scoring::statement_index(middle) : std::nullopt;
  if (!item) return std::nullopt;
  out.item = static_cast<std::uint8_t>(*item);
  return out;
}

}  // namespace smrel::engine
