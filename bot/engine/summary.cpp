#include "bot/engine/summary.hpp"

#include <algorithm>
#include <unordered_map>

namespace smrel::engine {
namespace {

// Nudges issued within this many weeks give way to fresh ones.
constexpr int nudge_memory_weeks = 6;

}  // namespace

scoring::scoring_options scoring_options_from(const config::survey_settings& survey, scoring::iso_week as_of) {
  scoring::scoring_options options;
  options.as_of = as_of;
  options.window_weeks = survey.window_weeks;
  options.min_group_size = survey.min_group_size;
  options.trend_weeks = survey.trend_weeks;
  return options;
}

scoring::survey load_survey(storage::store& store, const domain::workspace_ref& workspace,
                            const scoring::scoring_options& options) {
  const int weeks_back = options.window_weeks + std::max(options.trend_weeks, 1) - 1;
  return to_survey(store.answers(workspace, options.as_of - (weeks_back - 1), options.as_of));
}

scoring::survey to_survey(const std::vector<storage::answer_record>& records, std::vector<std::string>* names) {
  scoring::survey out;
  out.answers.reserve(records.size());
  std::unordered_map<std::string, std::uint32_t> index;
  for (const auto& record : records) {
    auto [it, inserted] = index.try_emplace(record.pseudonym, static_cast<std::uint32_t>(out.respondent_groups.size()));
    if (inserted) {
      out.respondent_groups.push_back(record.group);
      if (names) names->push_back(record.pseudonym);
    }
    out.answers.push_back({record.week, it->second, record.item, record.value, record.instrument});
  }
  return out;
}

std::vector<scoring::chosen_nudge> choose_nudges(const scoring::report& report, const config::survey_settings& survey,
                                                 std::span<const std::string> recently_issued) {
  scoring::nudge_context context;
  context.max_nudges = static_cast<std::size_t>(survey.max_nudges);
  context.small_team_size = survey.small_team_size;
  context.recently_issued = recently_issued;
  return scoring::choose_nudges(report, context);
}

namespace {

std::vector<std::string> recently_issued(storage::store& store, const domain::workspace_ref& workspace, scoring::iso_week week) {
  std::vector<std::string> recent;
  for (const auto& issued : store.nudges_since(workspace, week - (nudge_memory_weeks - 1))) {
    if (issued.week < week) recent.push_back(issued.nudge_id);  // this week's own nudges stay chosen
  }
  return recent;
}

bool held_for_changes(const scoring::estimate& e) { return e.why == scoring::withheld::too_few_changed; }

// Figures of the shown release held back for too few changes are shown as last published.
void carry_held_back(summary& out, const std::vector<release>& releases, const release& shown) {
  auto& r = out.report;
  for (std::size_t g = 0; g < scoring::group_count; ++g) {
    if (!held_for_changes(r.groups[g])) continue;
    for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
      if (it->report.as_of >= shown.report.as_of || !it->report.groups[g].shown) continue;
      r.groups[g] = it->report.groups[g];
      out.carried.groups[g] = it->report.as_of;
      break;
    }
  }
  const auto& first = r.dimensions.front();
  const bool sides_held = (held_for_changes(first.sales) && r.group_score(scoring::group::sales).shown) ||
                          (held_for_changes(first.marketing) && r.group_score(scoring::group::marketing).shown);
  if (!held_for_changes(first.mean) && !sides_held) return;
  for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
    const auto& earlier = it->report.dimensions.front();
    if (it->report.as_of >= shown.report.as_of || !earlier.mean.shown) continue;
    // Only a table that shows more than the current one: sides held now must be shown there.
    if (sides_held && !(earlier.sales.shown && earlier.marketing.shown) && first.mean.shown) continue;
    r.dimensions = it->report.dimensions;
    out.carried.dimensions = it->report.as_of;
    return;
  }
}

void add_participation(summary& out, storage::store& store, const domain::workspace_ref& workspace, scoring::iso_week week) {
  for (const auto& m : store.members(workspace)) {
    if (m.opted_out) continue;
    if (m.kind != domain::person_kind::person) {
      out.people.not_counted += m.group != scoring::group::other && !m.unreachable ? 1 : 0;
      continue;
    }
    ++out.people.members;
    out.people.unreachable += m.unreachable ? 1 : 0;
  }
  out.people.respondents = out.report.score.respondents;
  if (const auto pulse = store.find_pulse(workspace, week)) {
    const auto response = store.pulse_response(pulse->id);
    out.people.asked_this_week = response.asked;
    out.people.answered_this_week = response.answered;
  }
}

}  // namespace

summary summarize(storage::store& store, release_ledger& ledger, const domain::workspace_ref& workspace,
                  const config::survey_settings& survey, domain::time_point now) {
  ledger.catch_up(workspace, now);
  const auto last = ledger.last_closed_week(now);
  // Enough releases for a trend ending at the last shown week, even when newer weeks were held back.
  const auto releases = ledger.published(workspace, last - (2 * survey.trend_weeks + survey.window_weeks), last);
  summary out;
  const release* shown = nullptr;
  for (const auto& r : releases) {
    if (r.report.score.shown) shown = &r;
  }
  if (!shown && !releases.empty()) shown = &releases.back();
  out.released = shown != nullptr;
  if (!shown) {
    out.report.as_of = last;
    out.report.window_weeks = survey.window_weeks;
    out.report.min_group_size = survey.min_group_size;
  } else {
    out.report = shown->report;
    out.report.trend.clear();
    for (auto week = shown->report.as_of - (survey.trend_weeks - 1); week <= shown->report.as_of; week = week + 1) {
      const auto it = std::find_if(releases.begin(), releases.end(), [&](const release& r) { return r.report.as_of == week; });
      if (it != releases.end()) {
        out.report.trend.push_back(it->report.trend.back());
      } else if (!out.report.trend.empty()) {
        out.report.trend.push_back({week, {}, scoring::trend_change::none, 0.0});  // no release that week
      }
    }
    if (&releases.back() != shown) out.newer = held_back{releases.back().report.as_of, releases.back().report.score.why};
    carry_held_back(out, releases, *shown);
    // "Can't judge" findings: those of the latest block that ended within the last window.
    out.report.dont_know_findings.clear();
    for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
      if (it->report.as_of <= last - survey.window_weeks) break;
      if (!it->dont_know_block) continue;
      out.report.dont_know_findings = it->report.dont_know_findings;
      out.dont_knows_until = it->report.as_of;
      break;
    }
    // Follow-ups published in the window, newest first; a nudge asked about twice shows its latest.
    for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
      if (it->report.as_of <= shown->report.as_of - survey.window_weeks) break;
      for (const auto& f : it->follow_ups) {
        const bool seen = std::any_of(out.follow_ups.begin(), out.follow_ups.end(), [&](const auto& o) { return o.what == f.what; });
        if (!seen) out.follow_ups.push_back(f);
      }
    }
  }
  const auto this_week = ledger.week_of(now);
  out.nudges = choose_nudges(out.report, survey, recently_issued(store, workspace, this_week));
  add_participation(out, store, workspace, this_week);
  return out;
}

summary summarize_answers(storage::store& store, const domain::workspace_ref& workspace,
                          const config::survey_settings& survey, scoring::iso_week as_of) {
  const auto options = scoring_options_from(survey, as_of);
  summary out;
  out.report = scoring::build_published_report(load_survey(store, workspace, options), options);
  out.released = true;
  out.nudges = choose_nudges(out.report, survey, recently_issued(store, workspace, as_of));
  add_participation(out, store, workspace, as_of);
  return out;
}

}  // namespace smrel::engine
