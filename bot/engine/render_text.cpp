#include "bot/engine/render_text.hpp"
#include "bot/engine/text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace smrel::engine {
namespace {

using scoring::locale;


std::string printf_string(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
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

// "Stage Defined · score 52 (47–57) · ▃▄▄▅▅▆ up 3.1 since last week"
std::string headline(const summary& s, locale lang) {
  const auto& r = s.report;
  if (!s.released) return not_released_text(lang);
  if (!r.score.shown && (r.score.why == scoring::withheld::too_few_changed || r.score.why == scoring::withheld::combination)) {
    return tr(lang, "No figures: ", "Geen cijfers: ") + withheld_label(r.score.why, lang) + ".";
  }
  if (!r.score.shown) {
    const int missing = std::max(1, r.min_group_size - r.score.respondents);
    return tr(lang, "Not enough answers yet to show a score: ", "Nog niet genoeg antwoorden voor een score: ") +
           std::to_string(missing) + (missing == 1 ? tr(lang, " more person needed", " persoon meer nodig")
                                                   : tr(lang, " more people needed", " mensen meer nodig")) +
           tr(lang, " (no figure is shown about fewer than ", " (geen cijfer over minder dan ") +
           std::to_string(r.min_group_size) + tr(lang, " people).", " mensen).");
  }
  std::string line = std::string(tr(lang, "Stage: ", "Fase: ")) + stage_label(r, lang) +
                     tr(lang, " · score ", " · score ") + format_score(r.score) + tr(lang, " of 100", " van 100");
  if (!r.trend.empty()) {
    line += " · " + sparkline(r.trend);
    const auto change = describe_change(r.trend.back(), lang);
    if (!change.empty()) line += " " + change;
    if (r.overall_change.change != scoring::trend_change::none) {
      line += "; " + describe_change_since(r.overall_change, lang);
    }
  }
  return line;
}

std::string participation_line(const summary& s, locale lang) {
  std::string line;
  if (s.people.asked_this_week > 0) {
    line = tr(lang, "This week ", "Deze week ") + std::to_string(s.people.answered_this_week) + tr(lang, " of ", " van ") +
           std::to_string(s.people.asked_this_week) + tr(lang, " answered (", " geantwoord (") +
           percent(s.people.answered_this_week, s.people.asked_this_week) + ") · ";
  }
  line += std::to_string(s.people.respondents) + tr(lang, " people", " mensen");
  if (s.people.members > 0) line += tr(lang, " of ", " van ") + std::to_string(s.people.members);
  line += tr(lang, " answered in the last ", " antwoordden in de laatste ") + std::to_string(s.report.window_weeks) +
          tr(lang, " weeks", " weken");
  if (s.newer) line += " · " + newer_week_note(*s.newer, lang);
  return line;
}

std::string groups_line(const summary& s, locale lang) {
  std::string line;
  for (const auto g : {scoring::group::sales, scoring::group::marketing, scoring::group::leadership}) {
    const auto& e = s.report.group_score(g);
    if (!line.empty()) line += " · ";
    line += group_label(g, lang) + " " + (e.shown ? format_score(e) : "(" + withheld_label(e.why, lang) + ")");
    if (const auto& week = s.carried.groups[static_cast<std::size_t>(g)]) line += as_of_note(*week, lang);
  }
  return line;
}

}  // namespace

std::string describe_gap(const scoring::dimension_result& d, locale lang) {
  const double low = std::min(std::abs(d.gap_ci_low), std::abs(d.gap_ci_high));
  const double high = std::max(std::abs(d.gap_ci_low), std::abs(d.gap_ci_high));
  return std::string(scoring::dimension_name(d.dim, lang)) + ": Sales " + format_mean(d.sales.value) + " (n=" +
         std::to_string(d.sales.respondents) + "), Marketing " + format_mean(d.marketing.value) + " (n=" +
         std::to_string(d.marketing.respondents) + tr(lang, "), gap ", "), verschil ") + format_mean(std::abs(*d.gap)) + " (" +
         format_mean(low) + "–" + format_mean(high) + ")";
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

std::string dont_know_lines(const scoring::report& r, locale lang, std::size_t most, std::string_view indent) {
  std::string out;
  for (std::size_t i = 0; i < r.dont_know_findings.size() && i < most; ++i) {
    const auto& f = r.dont_know_findings[i];
    if (!out.empty()) out += "\n";
    out += std::string(indent) + printf_string("%.0f%%", f.share * 100.0) + (f.at_least ? tr(lang, " or more", " of meer") : "") +
           tr(lang, " of ", " van ") + group_label(f.side, lang) +
           tr(lang, " can't judge “", " kan niet beoordelen: “") + std::string(scoring::statements()[f.item].text(lang)) +
           "” (" + std::string(scoring::statements()[f.item].id) + ")";
  }
  return out;
}

std::string dont_know_weeks(const summary& s) {
  if (!s.dont_knows_until) return {};
  return " (" + (*s.dont_knows_until - (s.report.window_weeks - 1)).to_string() + "–" + s.dont_knows_until->to_string() + ")";
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

std::string not_released_text(locale lang) {
  return tr(lang, "No results yet: a week's figures are published once its pulse has closed, so no single answer can be read "
                  "from them. Answer this week's pulse with /smrel pulse.",
            "Nog geen resultaten: de cijfers van een week verschijnen pas als de pulse gesloten is, zodat geen enkel antwoord "
            "eruit af te lezen is. Beantwoord de pulse van deze week met /smrel pulse.");
}

std::string as_of_note(scoring::iso_week week, locale lang) {
  return tr(lang, " (as of ", " (stand ") + week.to_string() + ")";
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
  return tr(lang, "week ", "week ") + newer.week.to_string() + ": " + why;
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

namespace {

std::string nudge_block(const scoring::chosen_nudge& n, locale lang, bool full) {
  std::string out = "• " + std::string(n.what->title.in(lang)) + "\n  " + std::string(tr(lang, "Why: ", "Waarom: ")) + n.why(lang);
  if (full) {
    out += "\n  " + std::string(tr(lang, "Start: ", "Start: ")) + std::string(n.what->action.in(lang));
    out += "\n  " + std::string(tr(lang, "We will ask later: “", "We vragen later: “")) + std::string(n.what->follow_up.in(lang)) + "”";
  }
  return out;
}

}  // namespace

std::string format_score(const scoring::estimate& e) {
  return printf_string("%.0f", e.value) + " (" + printf_string("%.0f", e.ci_low) + "–" + printf_string("%.0f", e.ci_high) + ")";
}

std::string format_mean(double mean) { return printf_string("%.1f", mean); }

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
  const auto since = tr(lang, " since ", " sinds ") + change.week.to_string();
  switch (change.change) {
    case scoring::trend_change::up: return tr(lang, "up ", "gestegen met ") + printf_string("%.0f", change.delta) + since;
    case scoring::trend_change::down: return tr(lang, "down ", "gedaald met ") + printf_string("%.0f", -change.delta) + since;
    case scoring::trend_change::steady: return tr(lang, "no clear change", "geen duidelijke verandering") + since;
    case scoring::trend_change::none: break;
  }
  return {};
}

std::string render_status_text(const summary& s, locale lang) {
  const auto& r = s.report;
  std::string out = std::string(tr(lang, "Sales × Marketing, week ", "Sales × Marketing, week ")) + r.as_of.to_string() + "\n";
  out += headline(s, lang) + "\n";
  out += participation_line(s, lang) + "\n";
  if (!r.score.shown) return out;
  out += groups_line(s, lang) + "\n";
  out += gap_line(r, lang) + (s.carried.dimensions ? as_of_note(*s.carried.dimensions, lang) : std::string()) + "\n";
  if (const auto unsure = dont_know_lines(r, lang, 1); !unsure.empty()) {
    out += unsure + dont_know_weeks(s) + "\n";
  }
  if (!s.nudges.empty()) {
    out += std::string(tr(lang, "Next step:\n", "Volgende stap:\n")) + nudge_block(s.nudges.front(), lang, false) + "\n";
  }
  return out;
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
      out += format_mean(f.mean) + " (" + std::to_string(f.respondents) + tr(lang, " people)", " mensen)");
    } else {
      out += tr(lang, "not enough answers yet to show", "nog te weinig antwoorden om te tonen");
    }
  }
  return out;
}

std::string render_digest_text(const summary& s, locale lang) {
  const auto& r = s.report;
  std::string out = std::string(tr(lang, "Weekly Sales × Marketing digest, week ", "Wekelijks overzicht Sales × Marketing, week ")) +
                    r.as_of.to_string() + "\n\n";
  out += headline(s, lang) + "\n";
  out += participation_line(s, lang) + "\n";
  if (!r.score.shown) return out;
  out += groups_line(s, lang) + "\n\n";

  // The weeks are listed without up/down labels: one label per week would add up to a false
  // alarm in one digest out of four; only the headline's changes are tested and called.
  out += std::string(tr(lang, "Trend (score per week, rolling ", "Trend (score per week, voortschrijdend ")) +
         std::to_string(r.window_weeks) + tr(lang, " weeks):\n", " weken):\n");
  const std::size_t shown_weeks = std::min<std::size_t>(r.trend.size(), 6);
  for (std::size_t i = r.trend.size() - shown_weeks; i < r.trend.size(); ++i) {
    const auto& p = r.trend[i];
    out += "  " + p.week.to_string() + "  " + (p.score.shown ? format_score(p.score) : "(" + withheld_label(p.score.why, lang) + ")");
    out += "\n";
  }

  out += std::string(tr(lang, "\nDimensions (1–5), weakest first", "\nOnderwerpen (1–5), zwakste eerst")) +
         (s.carried.dimensions ? as_of_note(*s.carried.dimensions, lang) : std::string()) + ":\n";
  std::vector<const scoring::dimension_result*> dims;
  for (const auto& d : r.dimensions) {
    if (d.mean.shown) dims.push_back(&d);
  }
  std::sort(dims.begin(), dims.end(), [](const auto* a, const auto* b) { return a->mean.value < b->mean.value; });
  for (const auto* d : dims) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-26s %s", std::string(scoring::dimension_name(d->dim, lang)).c_str(),
                  format_mean(d->mean.value).c_str());
    out += line;
    if (d->sales.shown && d->marketing.shown) {
      out += "   Sales " + format_mean(d->sales.value) + " / Marketing " + format_mean(d->marketing.value);
      if (d->perception_gap) out += tr(lang, "  ← gap", "  ← verschil");
    }
    out += "\n";
  }
  if (dims.empty()) {
    out += "  (" + withheld_label(r.dimensions.front().mean.why, lang) + ")\n";
  } else if (!r.dimensions.front().sales.shown || !r.dimensions.front().marketing.shown) {
    const auto& side = r.dimensions.front().sales.shown ? r.dimensions.front().marketing : r.dimensions.front().sales;
    out += std::string(tr(lang, "  Per team: ", "  Per team: ")) + withheld_label(side.why, lang) + "\n";
  }

  std::vector<const scoring::dimension_result*> gaps;
  for (const auto& d : r.dimensions) {
    if (d.perception_gap) gaps.push_back(&d);
  }
  std::sort(gaps.begin(), gaps.end(), [](const auto* a, const auto* b) { return std::abs(*a->gap) > std::abs(*b->gap); });
  if (!gaps.empty()) {
    out += std::string(tr(lang, "\nWhere Sales and Marketing see it differently:\n", "\nWaar Sales en Marketing het anders zien:\n"));
    for (const auto* d : gaps) out += "  " + describe_gap(*d, lang) + "\n";
  } else {
    out += "\n" + gap_line(r, lang) + "\n";
  }

  if (const auto unsure = dont_know_lines(r, lang, 3, "  "); !unsure.empty()) {
    out += std::string(tr(lang, "\nWhat people cannot see from where they work", "\nWat mensen vanuit hun werk niet kunnen zien")) +
           dont_know_weeks(s) + ":\n" + unsure + "\n";
  }
  if (!s.nudges.empty()) {
    out += std::string(tr(lang, "\nWhat to do next:\n", "\nWat nu te doen:\n"));
    for (const auto& n : s.nudges) out += nudge_block(n, lang, true) + "\n";
  }
  if (!s.follow_ups.empty()) out += "\n" + follow_up_text(s, lang) + "\n";
  out += std::string(tr(lang, "\nFigures about fewer than ", "\nCijfers over minder dan ")) + std::to_string(r.min_group_size) +
         tr(lang, " people are never shown. 95% intervals in brackets.\n",
            " mensen worden nooit getoond. 95%-intervallen tussen haakjes.\n");
  return out;
}

}  // namespace smrel::engine
