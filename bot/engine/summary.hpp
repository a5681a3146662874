#pragma once
// Where a workspace stands: the latest published week (see releases.hpp) with its trend, the
// chosen nudges and live participation. This is what the status command, the Home tab and the
// weekly digest show.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "bot/engine/releases.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"
#include "scoring/nudges.hpp"
#include "scoring/report.hpp"

namespace smrel::engine {

struct participation {
  int members = 0;      // members who have not opted out (people: not guests, externals or bots)
  int unreachable = 0;  // of them, people the platform cannot reach (deactivated, gone): not asked
  int not_counted = 0;  // besides them, reachable guests, externals and bots who joined a team
  int respondents = 0;  // distinct people with an answer in the window
  int asked_this_week = 0;     // deliveries of this week's pulse
  int answered_this_week = 0;  // people who answered at least one statement of it
};

/// A nudge's follow-up statement is asked in the pulse this many weeks after the nudge was issued:
/// long enough for a KPI or a meeting to have started.
inline constexpr int follow_up_delay_weeks = 4;

/// A newer week than the one shown, whose figures were held back (or not published yet).
struct held_back {
  scoring::iso_week week;
  scoring::withheld why = scoring::withheld::too_few;
};

/// Figures of the shown week that were held back because too few people changed since they were
/// last published: the summary shows them as last published, from the week named here.
struct carried_figures {
  std::array<std::optional<scoring::iso_week>, scoring::group_count> groups;
  std::optional<scoring::iso_week> dimensions;  // the whole dimension table, with both sides

  bool any() const {
    return dimensions || std::any_of(groups.begin(), groups.end(), [](const auto& w) { return w.has_value(); });
  }
};

struct summary {
  scoring::report report;
  std::vector<scoring::chosen_nudge> nudges;
  participation people;
  std::vector<follow_up_result> follow_ups;  // asked within the window, newest first
  std::optional<held_back> newer;  // the latest release, when its score was held back
  carried_figures carried;
  bool released = false;  // some week was released (published) already
  /// The last week of the block whose "can't judge" findings report::dont_know_findings holds.
  std::optional<scoring::iso_week> dont_knows_until;
};

/// Options for scoring derived from settings, ending at `as_of`.
scoring::scoring_options scoring_options_from(const config::survey_settings& survey, scoring::iso_week as_of);

/// Stored answers as a survey, with pseudonyms mapped to dense respondent indices (and, when
/// asked, the pseudonym of each index).
scoring::survey to_survey(const std::vector<storage::answer_record>& records, std::vector<std::string>* names = nullptr);

/// Reads the answers the report needs (window plus trend) and maps pseudonyms to dense indices.
scoring::survey load_survey(storage::store& store, const domain::workspace_ref& workspace,
                            const scoring::scoring_options& options);

/// What the bot shows at `now`: releases closed weeks first, then assembles the latest
/// published week, its trend from the releases before it, and this week's participation.
summary summarize(storage::store& store, release_ledger& ledger, const domain::workspace_ref& workspace,
                  const config::survey_settings& survey, domain::time_point now);

/// The answers as of `as_of` as `smrel score` would publish them (combinations withheld,
/// rounded), without release control: for seeding the demo's history, never for people.
summary summarize_answers(storage::store& store, const domain::workspace_ref& workspace,
                          const config::survey_settings& survey, scoring::iso_week as_of);

/// Nudge choice with the workspace's recent nudges taken into account.
std::vector<scoring::chosen_nudge> choose_nudges(const scoring::report& report, const config::survey_settings& survey,
                                                 std::span<const std::string> recently_issued = {});

}  // namespace smrel::engine
