#include "bot/engine/wording.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "bot/engine/text.hpp"
#include "config/settings.hpp"

namespace smrel::engine {
namespace {

using scoring::locale;

std::string printf_string(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// "23 November 2026", "23 november 2026"; the month and year only where asked for.
std::string day_in_words(std::chrono::year_month_day day, locale lang, bool month, bool year) {
  static constexpr std::array<std::string_view, 12> english{"January",   "February", "March",    "April",
                                                            "May",       "June",     "July",     "August",
                                                            "September", "October",  "November", "December"};
  static constexpr std::array<std::string_view, 12> dutch{"januari",   "februari", "maart",    "april",
                                                          "mei",       "juni",     "juli",     "augustus",
                                                          "september", "oktober",  "november", "december"};
  auto out = std::to_string(static_cast<unsigned>(day.day()));
  if (month) out += " " + std::string((lang == locale::nl ? dutch : english)[static_cast<unsigned>(day.month()) - 1]);
  if (year) out += " " + std::to_string(static_cast<int>(day.year()));
  return out;
}

// "23–29 November 2026", "30 November – 6 December 2026", "29 December 2025 – 4 January 2026".
std::string days_in_words(std::chrono::sys_days from, std::chrono::sys_days to, locale lang) {
  const std::chrono::year_month_day first{from};
  const std::chrono::year_month_day last{to};
  const auto until = day_in_words(last, lang, true, true);
  if (first.year() != last.year()) return day_in_words(first, lang, true, true) + " – " + until;
  if (first.month() != last.month()) return day_in_words(first, lang, true, false) + " – " + until;
  return day_in_words(first, lang, false, false) + "–" + until;
}

// "Monday" ("maandag"); `index` counts from Monday = 0.
std::string weekday_name(int index, locale lang) {
  static constexpr std::array<std::string_view, 7> english{"Monday", "Tuesday", "Wednesday", "Thursday",
                                                           "Friday", "Saturday", "Sunday"};
  static constexpr std::array<std::string_view, 7> dutch{"maandag", "dinsdag", "woensdag", "donderdag",
                                                         "vrijdag", "zaterdag", "zondag"};
  return std::string((lang == locale::nl ? dutch : english)[static_cast<std::size_t>(index) % 7]);
}

// What follows a day: " 10:00 Amsterdam time" (" om 10:00, tijd in Amsterdam"). A zone that names
// no place ("UTC", "Etc/GMT-2") is given as it is.
std::string time_in_zone(std::string_view time, std::string_view zone, locale lang) {
  // "Europe/Amsterdam" → "Amsterdam", "America/Argentina/Buenos_Aires" → "Buenos Aires".
  const auto slash = zone.rfind('/');
  if (slash == std::string_view::npos || zone.starts_with("Etc/")) {
    return tr(lang, " ", " om ") + std::string(time) + " " + std::string(zone);
  }
  std::string place(zone.substr(slash + 1));
  std::replace(place.begin(), place.end(), '_', ' ');
  return lang == locale::nl ? " om " + std::string(time) + ", tijd in " + place
                            : " " + std::string(time) + " " + place + " time";
}

}  // namespace

std::string why_not_asked(domain::person_kind kind, scoring::locale lang) {
  if (kind == domain::person_kind::external) {
    return tr(lang,
              "You are from another organisation. The pulse is about this organisation's own people, so you are "
              "not asked and your answers do not count.",
              "Je hoort bij een andere organisatie. De pulse gaat over de eigen mensen van deze organisatie, dus "
              "je wordt niet gevraagd en je antwoorden tellen niet mee.");
  }
  if (kind == domain::person_kind::bot) {
    return tr(lang, "Apps and bots are not asked, and their answers do not count.",
              "Apps en bots worden niet gevraagd, en hun antwoorden tellen niet mee.");
  }
  return tr(lang,
            "You are a guest in this workspace. The pulse is about the organisation's own people, so guests are "
            "not asked and their answers do not count.",
            "Je bent gast in deze werkruimte. De pulse gaat over de eigen mensen van de organisatie, dus gasten "
            "worden niet gevraagd en hun antwoorden tellen niet mee.");
}

std::string group_label(scoring::group g, locale lang) {
  switch (g) {
    case scoring::group::sales: return "Sales";
    case scoring::group::marketing: return "Marketing";
    case scoring::group::leadership: return std::string(tr(lang, "Leadership", "Leiding"));
    case scoring::group::other: return std::string(tr(lang, "Other", "Overig"));
  }
  return {};
}

std::string describe_gap(const scoring::dimension_result& d, locale lang) {
  const double low = std::min(std::abs(d.gap_ci_low), std::abs(d.gap_ci_high));
  const double high = std::max(std::abs(d.gap_ci_low), std::abs(d.gap_ci_high));
  return std::string(scoring::dimension_name(d.dim, lang)) + ": Sales " + format_mean(d.sales.value, lang) +
         " (n=" + std::to_string(d.sales.respondents) + "), Marketing " + format_mean(d.marketing.value, lang) +
         " (n=" + std::to_string(d.marketing.respondents) + tr(lang, "), gap ", "), verschil ") +
         format_mean(std::abs(*d.gap), lang) + " (" + format_mean(low, lang) + "–" + format_mean(high, lang) + ")";
}

std::string gap_line(const scoring::report& r, locale lang) {
  if (const auto gap = r.largest_gap()) {
    return tr(lang, "Largest gap: ", "Grootste verschil: ") + describe_gap(r.dimension_figures(*gap), lang);
  }
  const bool told = std::any_of(r.dimensions.begin(), r.dimensions.end(),
                                [](const auto& d) { return d.verdict != scoring::gap_verdict::too_few_to_tell; });
  if (!told) {
    return tr(lang, "Too few people on one side to tell whether Sales and Marketing see it differently.",
              "Te weinig mensen aan één kant om te zien of Sales en Marketing het anders zien.");
  }
  return tr(lang, "No clear perception gap between Sales and Marketing (a gap counts from 0.5 and beyond the noise).",
            "Geen duidelijk verschil in beleving tussen Sales en Marketing (een verschil telt vanaf 0,5 en boven de ruis).");
}

std::string dont_know_lines(const scoring::report& r, locale lang, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < r.dont_know_findings.size() && i < most; ++i) {
    const auto& f = r.dont_know_findings[i];
    if (!out.empty()) out += "\n";
    out += printf_string("%.0f%%", f.share * 100.0) + (f.at_least ? tr(lang, " or more", " of meer") : "") +
           tr(lang, " of ", " van ") + group_label(f.side, lang) +
           tr(lang, " can't judge “", " kan niet beoordelen: “") + std::string(scoring::statements()[f.item].text(lang)) +
           "” (" + std::string(scoring::statements()[f.item].id) + ")";
  }
  return out;
}

std::string dont_know_weeks(const summary& s, locale lang) {
  if (!s.dont_knows_until) return {};
  return " (" + weeks_in_words(*s.dont_knows_until - (s.report.window_weeks - 1), *s.dont_knows_until, lang) + ")";
}

std::string stage_label(const scoring::report& r, locale lang) {
  const auto reading = scoring::read_stage(r.score);
  std::string label(scoring::stage_name(r.shown_stage.value_or(reading.at), lang));
  if (reading.on_border()) {
    label += tr(lang, " (on the border between ", " (op de grens tussen ") + std::string(scoring::stage_name(reading.lowest, lang)) +
             tr(lang, " and ", " en ") + std::string(scoring::stage_name(reading.highest, lang)) + ")";
  }
  return label;
}

std::string not_released_text(locale lang, const domain::command_phrasing& phrasing) {
  return tr(lang, phrasing, "No results yet: a week's figures are published once its pulse has closed, so no single answer can be read "
                  "from them. Answer this week's pulse with {pulse}.",
            "Nog geen resultaten: de cijfers van een week verschijnen pas als de pulse gesloten is, zodat geen enkel antwoord "
            "eruit af te lezen is. Beantwoord de pulse van deze week met {pulse}.");
}

std::string as_of_note(scoring::iso_week week, locale lang) {
  return tr(lang, " (as of ", " (stand ") + week_in_words(week, lang) + ")";
}

std::string newer_week_note(const held_back& newer, locale lang) {
  std::string why;
  switch (newer.why) {
    case scoring::withheld::too_few_changed:
      why = tr(lang, "no new figures, too few new answers since the last ones", "geen nieuwe cijfers, te weinig nieuwe antwoorden sinds de vorige");
      break;
    case scoring::withheld::combination:
      why = tr(lang, "no new figures, they would reveal a smaller group", "geen nieuwe cijfers, ze zouden een kleinere groep onthullen");
      break;
    case scoring::withheld::no:
    case scoring::withheld::too_few:
      why = tr(lang, "too few answers to show", "te weinig antwoorden om te tonen");
      break;
  }
  return week_in_words(newer.week, lang) + ": " + why;
}

std::string withheld_label(scoring::withheld why, locale lang) {
  switch (why) {
    case scoring::withheld::combination:
      return tr(lang, "held back: it would reveal a smaller group", "achtergehouden: het zou een kleinere groep onthullen");
    case scoring::withheld::too_few_changed:
      return tr(lang, "held back: too few new answers since it was last shown",
                "achtergehouden: te weinig nieuwe antwoorden sinds het laatst getoond werd");
    case scoring::withheld::no:
    case scoring::withheld::too_few:
      break;
  }
  return tr(lang, "too few to show", "te weinig om te tonen");
}

std::string format_score(const scoring::estimate& e) {
  return printf_string("%.0f", e.value) + " (" + printf_string("%.0f", e.ci_low) + "–" + printf_string("%.0f", e.ci_high) + ")";
}

std::string format_mean(double mean, locale lang) { return scoring::one_decimal(mean, lang); }

std::string sparkline(const std::vector<scoring::trend_point>& trend) {
  static constexpr std::array<std::string_view, 8> bars{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double low = 0.0;
  double high = 0.0;
  bool any = false;
  for (const auto& p : trend) {
    if (!p.score.shown) continue;
    low = any ? std::min(low, p.score.value) : p.score.value;
    high = any ? std::max(high, p.score.value) : p.score.value;
    any = true;
  }
  // Scale to at least a 10-point range, so noise of a point or two does not look like a cliff.
  constexpr double min_range = 10.0;
  if (high - low < min_range) {
    const double mid = (high + low) / 2.0;
    low = mid - min_range / 2.0;
    high = mid + min_range / 2.0;
  }
  std::string out;
  for (const auto& p : trend) {
    if (!p.score.shown) {
      out += "·";
      continue;
    }
    const auto level = static_cast<std::size_t>(std::clamp((p.score.value - low) / (high - low) * 7.0 + 0.5, 0.0, 7.0));
    out += bars[level];
  }
  return out;
}

std::string spoken_trend(const std::vector<scoring::trend_point>& trend, locale lang) {
  std::string out = tr(lang, "scores by week, oldest first: ", "scores per week, oudste eerst: ");
  for (std::size_t i = 0; i < trend.size(); ++i) {
    if (i > 0) out += ", ";
    out += trend[i].score.shown ? printf_string("%.0f", trend[i].score.value) : tr(lang, "not shown", "niet getoond");
  }
  return out;
}

std::string weekly_moment(std::string_view day, std::string_view time, std::string_view zone, locale lang) {
  std::string named_day(day);
  if (const auto index = config::parse_weekday(day)) named_day = weekday_name(*index, lang);
  return named_day + time_in_zone(time, zone, lang);
}

std::string moment_in_words(std::chrono::sys_days day, std::chrono::minutes time_of_day, std::string_view zone,
                            locale lang) {
  const std::chrono::weekday weekday{day};
  char time[8];
  std::snprintf(time, sizeof time, "%02d:%02d", static_cast<int>(time_of_day.count() / 60) % 24,
                static_cast<int>(time_of_day.count() % 60));
  return weekday_name(static_cast<int>(weekday.iso_encoding()) - 1, lang) + " " +
         day_in_words(std::chrono::year_month_day{day}, lang, true, true) + (lang == locale::nl ? "" : ",") +
         time_in_zone(time, zone, lang);
}

std::string week_in_words(scoring::iso_week week, locale lang) {
  const auto days = days_in_words(week.monday(), week.monday() + std::chrono::days{6}, lang);
  return lang == locale::nl ? "week " + std::to_string(week.week()) + ", " + days : days;
}

std::string weeks_in_words(scoring::iso_week first, scoring::iso_week last, locale lang) {
  if (first == last) return week_in_words(first, lang);
  const auto days = days_in_words(first.monday(), last.monday() + std::chrono::days{6}, lang);
  if (lang != locale::nl) return days;
  return "weken " + std::to_string(first.week()) + "–" + std::to_string(last.week()) + ", " + days;
}

std::string describe_change(const scoring::trend_point& point, locale lang) {
  switch (point.change) {
    case scoring::trend_change::up:
      return std::string(tr(lang, "up ", "gestegen met ")) + printf_string("%.0f", point.delta) + tr(lang, " since last week", " sinds vorige week");
    case scoring::trend_change::down:
      return std::string(tr(lang, "down ", "gedaald met ")) + printf_string("%.0f", -point.delta) + tr(lang, " since last week", " sinds vorige week");
    case scoring::trend_change::steady:
      return std::string(tr(lang, "steady this week", "stabiel deze week"));
    case scoring::trend_change::none:
      break;
  }
  return {};
}

std::string describe_change_since(const scoring::trend_point& change, locale lang) {
  const auto since = tr(lang, " since ", " sinds ") + week_in_words(change.week, lang);
  switch (change.change) {
    case scoring::trend_change::up: return tr(lang, "up ", "gestegen met ") + printf_string("%.0f", change.delta) + since;
    case scoring::trend_change::down: return tr(lang, "down ", "gedaald met ") + printf_string("%.0f", -change.delta) + since;
    case scoring::trend_change::steady: return tr(lang, "no clear change", "geen duidelijke verandering") + since;
    case scoring::trend_change::none: break;
  }
  return {};
}

// How earlier nudges landed: the follow-up statement's mean, under the same anonymity rule. The
// newest few only: a digest is read in a minute.
std::string follow_up_text(const summary& s, locale lang) {
  constexpr std::size_t most_shown = 3;
  std::string out = tr(lang, "How earlier suggestions landed (1–5):", "Hoe eerdere suggesties uitpakten (1–5):");
  for (std::size_t i = 0; i < s.follow_ups.size() && i < most_shown; ++i) {
    const auto& f = s.follow_ups[i];
    out += "\n• " + std::string(f.what->title.in(lang)) + ": “" + std::string(f.what->follow_up.in(lang)) + "” ";
    if (f.shown) {
      out += format_mean(f.mean, lang) + " (" + std::to_string(f.respondents) + tr(lang, " people)", " mensen)");
    } else {
      out += tr(lang, "not enough answers yet to show", "nog te weinig antwoorden om te tonen");
    }
  }
  return out;
}

}  // namespace smrel::engine

