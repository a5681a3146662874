#pragma once
// Where a workspace stands: the scored report, the chosen nudges and participation, assembled
// from the store. This is what `/smrel status`, the Home tab and the weekly digest show.
#include <algorithm>
#include <string>
#include <vector>

#include "bot/storage/store.hpp"
#include "config/settings.hpp"
#include "scoring/nudges.hpp"
#include "scoring/report.hpp"

namespace smrel::engine {

struct participation {
  int members = 0;      // members who have not opted out
  int respondents = 0;  // distinct people with an answer in the window
  int asked_this_week = 0;     // deliveries of this week's pulse
  int answered_this_week = 0;  // people who answered at least one statement of it
};

/// A nudge's follow-up statement is asked in the pulse this many weeks after the nudge was issued:
/// long enough for a KPI or a meeting to have started.
inline constexpr int follow_up_delay_weeks = 4;

/// How people answered a nudge's follow-up statement in the later pulse that asked it.
struct follow_up_result {
  const scoring::nudge* what = nullptr;
  scoring::iso_week asked;  // the week of the pulse that asked it
  int respondents = 0;
  double mean = 0;     // 1–5
  bool shown = false;  // at least min_group_size respondents (the anonymity rule)
};

struct summary {
  scoring::report report;
  std::vector<scoring::chosen_nudge> nudges;
  participation people;
  std::vector<follow_up_result> follow_ups;  // asked within the window, newest first
};

/// Options for scoring derived from settings, ending at `as_of`.
scoring::scoring_options scoring_options_from(const config::survey_settings& survey, scoring::iso_week as_of);

/// Stored answers as a survey, with pseudonyms mapped to dense respondent indices.
scoring::survey to_survey(const std::vector<storage::answer_record>& records);

/// Reads the answers the report needs (window plus trend) and maps pseudonyms to dense indices.
scoring::survey load_survey(storage::store& store, const domain::workspace_ref& workspace,
                            const scoring::scoring_options& options);

summary summarize(storage::store& store, const domain::workspace_ref& workspace,
                  const config::survey_settings& survey, scoring::iso_week as_of);

/// Nudge choice with the workspace's recent nudges taken into account.
std::vector<scoring::chosen_nudge> choose_nudges(const scoring::report& report, const config::survey_settings& survey,
                                                 std::span<const std::string> recently_issued = {});

}  // namespace smrel::engine
