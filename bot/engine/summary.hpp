#pragma once
// Where a workspace stands: the scored report, the chosen nudges and participation, assembled
// from the store. This is what `/smrel status`, the Home tab and the weekly digest show.
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

struct summary {
  scoring::report report;
  std::vector<scoring::chosen_nudge> nudges;
  participation people;
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
