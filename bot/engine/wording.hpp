#pragma once
// The small pieces of wording the views share, in English or Dutch: a score with its interval, a
// sparkline, a gap, why a figure is withheld. The views (views.hpp) put them together.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "bot/domain/person_facts.hpp"
#include "bot/domain/phrasing.hpp"
#include "bot/engine/summary.hpp"

namespace smrel::engine {

/// "52 (47–57)": a score with its 95% interval, rounded for people.
std::string format_score(const scoring::estimate& e);
/// "3.4" ("3,4" in Dutch): a mean on the 1–5 scale.
std::string format_mean(double mean, scoring::locale lang);
/// How earlier nudges landed: each follow-up statement's mean, under the anonymity rule.
std::string follow_up_text(const summary& s, scoring::locale lang);
/// One character per week, ▁ to █ scaled to the shown range; "·" for a suppressed week.
std::string sparkline(const std::vector<scoring::trend_point>& trend);
/// The sparkline in words, for the text fallback that notifications and screen readers use:
/// "scores by week, oldest first: 48, 52, not shown, 61".
std::string spoken_trend(const std::vector<scoring::trend_point>& trend, scoring::locale lang);
/// A weekly moment as people say it: "Monday 10:00 Amsterdam time" ("maandag om 10:00, tijd in
/// Amsterdam"). `day` is a weekday as configured ("monday"), `zone` an IANA name; a zone that names
/// no place ("UTC", "Etc/GMT-2") is given as it is.
std::string weekly_moment(std::string_view day, std::string_view time, std::string_view zone, scoring::locale lang);
/// One instant as people say it, read on the company's clocks (`day`, `time_of_day` local to
/// `zone`): "Sunday 6 December 2026, 23:59 Amsterdam time" ("zondag 6 december 2026 om 23:59, tijd
/// in Amsterdam").
std::string moment_in_words(std::chrono::sys_days day, std::chrono::minutes time_of_day, std::string_view zone,
                            scoring::locale lang);
/// A week as people read it: "23–29 November 2026"; in Dutch, where week numbers are in daily
/// use, "week 48, 23–29 november 2026". Across months "30 November – 6 December 2026", across
/// years "29 December 2025 – 4 January 2026". Exports keep the ISO label ("2026-W48").
std::string week_in_words(scoring::iso_week week, scoring::locale lang);
/// Weeks `first` to `last` the same way: "28 September – 29 November 2026" ("weken 40–48, …").
std::string weeks_in_words(scoring::iso_week first, scoring::iso_week last, scoring::locale lang);
/// "up 3.1 since last week", "steady", … ; empty when there is no comparison.
std::string describe_change(const scoring::trend_point& point, scoring::locale lang);
/// "up 6.2 since 7–13 September 2026", "no clear change since …"; for report::overall_change.
std::string describe_change_since(const scoring::trend_point& change, scoring::locale lang);

/// "Feedback loops: Sales 3.7 (n=8), Marketing 2.2 (n=7), gap 1.5 (0.6–2.4)" for a shown gap.
std::string describe_gap(const scoring::dimension_result& d, scoring::locale lang);
/// The status line about gaps: the largest clear one, none clear, or too few to tell.
std::string gap_line(const scoring::report& r, scoring::locale lang);
/// Statements many of one side could not judge ("40% of Sales can't judge “…” (q11)"), one per
/// line, at most `most`; empty when there are none. Itself a finding: those people cannot see it.
std::string dont_know_lines(const scoring::report& r, scoring::locale lang, std::size_t most);
/// The weeks those findings come from: " (28 September – 22 November 2026)", or empty.
std::string dont_know_weeks(const summary& s, scoring::locale lang);
/// The stage label people see: "Defined", with "(on the border between Defined and Aligned)"
/// when the interval spans a stage edge.
std::string stage_label(const scoring::report& r, scoring::locale lang);
/// Before any week was published: results come when a pulse closes.
std::string not_released_text(scoring::locale lang, const domain::command_phrasing& phrasing);
/// " (as of 2–8 November 2026)": for a figure shown as last published.
std::string as_of_note(scoring::iso_week week, scoring::locale lang);
/// "16–22 November 2026: no new figures, too few new answers since the last ones".
std::string newer_week_note(const held_back& newer, scoring::locale lang);
/// Why a figure is not shown, for people: "too few to show", "held back: …".
std::string withheld_label(scoring::withheld why, scoring::locale lang);
/// Why a guest or a bot is not asked and does not count, said to them.
std::string why_not_asked(domain::person_kind kind, scoring::locale lang);
/// "Sales", "Marketing", "Leadership" / "Leiding".
std::string group_label(scoring::group g, scoring::locale lang);

}  // namespace smrel::engine
