#include "bot/engine/summary.hpp"

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

scoring::survey to_survey(const std::vector<storage::answer_record>& records) {
  scoring::survey out;
  out.answers.reserve(records.size());
  std::unordered_map<std::string, std::uint32_t> index;
  for (const auto& record : records) {
    auto [it, inserted] = index.try_emplace(record.pseudonym, static_cast<std::uint32_t>(out.respondent_groups.size()));
    if (inserted) out.respondent_groups.push_back(record.group);
    out.answers.push_back({record.week, it->second, record.item, record.value});
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

summary summarize(storage::store& store, const domain::workspace_ref& workspace,
                  const config::survey_settings& survey, scoring::iso_week as_of) {
  const auto options = scoring_options_from(survey, as_of);
  summary out;
  out.report = scoring::build_report(load_survey(store, workspace, options), options);

  std::vector<std::string> recent;
  for (const auto& issued : store.nudges_since(workspace, as_of - (nudge_memory_weeks - 1))) {
    if (issued.week < as_of) recent.push_back(issued.nudge_id);  // this week's own nudges stay chosen
  }
  out.nudges = choose_nudges(out.report, survey, recent);

  // Follow-ups asked in the window; a nudge issued several times counts once, at its latest.
  for (const auto& issued : store.nudges_since(workspace, as_of - (survey.window_weeks + follow_up_delay_weeks))) {
    const auto* what = scoring::find_nudge(issued.nudge_id);
    if (!what || !issued.follow_up_week || *issued.follow_up_week > as_of ||
        *issued.follow_up_week <= as_of - survey.window_weeks) {
      continue;
    }
    std::erase_if(out.follow_ups, [&](const follow_up_result& r) { return r.what == what; });
    follow_up_result r{what, *issued.follow_up_week, 0, 0.0, false};
    const auto values = store.follow_up_values(issued.id);
    r.respondents = static_cast<int>(values.size());
    for (const auto v : values) r.mean += v;
    if (!values.empty()) r.mean /= static_cast<double>(values.size());
    r.shown = r.respondents >= survey.min_group_size;
    out.follow_ups.push_back(r);
  }
  std::sort(out.follow_ups.begin(), out.follow_ups.end(), [](const auto& a, const auto& b) { return a.asked > b.asked; });

  for (const auto& m : store.members(workspace)) out.people.members += m.opted_out ? 0 : 1;
  out.people.respondents = out.report.score.respondents;
  if (const auto pulse = store.find_pulse(workspace, as_of)) {
    const auto response = store.pulse_response(pulse->id);
    out.people.asked_this_week = response.asked;
    out.people.answered_this_week = response.answered;
  }
  return out;
}

}  // namespace smrel::engine
