#pragma once
// Scores a set of pulse answers into the figures smrel shows: overall and per-group score with a
// 95% confidence interval, stage, dimension means with the Sales–Marketing perception gap, and
// the weekly trend. Every figure about fewer than `min_group_size` people is suppressed here;
// scoring/disclosure.hpp then withholds figures that could be combined into a smaller group and
// rounds what is published.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "scoring/instrument.hpp"
#include "scoring/iso_week.hpp"
#include "scoring/stage.hpp"

namespace smrel::scoring {

inline constexpr int default_window_weeks = 8;
inline constexpr int max_window_weeks = 104;
inline constexpr int default_min_group_size = 5;
/// No setting may show figures about fewer people than this.
inline constexpr int anonymity_floor = 3;
/// Sales and Marketing means this far apart (on the 1–5 scale), and clearly apart given the noise,
/// are a perception gap.
inline constexpr double perception_gap_threshold = 0.5;
/// Family-wise error rate of the gap test across the seven dimensions (Bonferroni: each dimension
/// is tested at this divided by seven, with the smaller side's degrees of freedom).
inline constexpr double gap_family_error = 0.05;
/// A score change smaller than this (points on 20–100) is never called up or down, however clear.
inline constexpr double min_meaningful_change = 2.0;
/// Error rate shared by the two changes a report calls (since last week, since the first week).
inline constexpr double change_family_error = 0.05;
/// The interval never pretends people agree more than this: the per-person standard deviation
/// behind a standard error is at least this much of the 1–5 scale, so five identical answers do
/// not give a zero-width interval.
inline constexpr double min_person_sd = 0.35;
/// A statement at least this share of a team could not judge ("don't know") is a finding.
inline constexpr double frequent_dont_know_share = 0.3;

/// One answer. Respondents are dense indices chosen by the caller (see `survey`).
struct answer {
  iso_week week;
  std::uint32_t respondent = 0;
  std::uint8_t item = 0;   // statement index, 0 = q01
  std::uint8_t value = 0;  // 1…5, or dont_know (latest answer wins, but is never scored)
  /// The instrument version whose wording was answered; an answer to an earlier wording of a
  /// statement is left out (answers_current_wording).
  std::uint8_t wording = instrument_version;
};

/// Answers in arrival order: of two answers to one statement in the same week, the later wins.
struct survey {
  std::vector<answer> answers;
  std::vector<group> respondent_groups;  // indexed by answer::respondent
};

struct scoring_options {
  iso_week as_of;
  int window_weeks = default_window_weeks;
  int min_group_size = default_min_group_size;
  /// Trend points to compute, ending at `as_of`; 0 = every week since the first answer.
  int trend_weeks = 0;
  /// Hold back trend points whose people differ from an earlier shown point by 1 … min_group_size
  /// − 1 (joined, left or answered differently): one report's trend is a series of releases.
  bool control_trend_changes = false;
  /// Fill report::contributions (the bot's release control needs them; the CLI does not).
  bool keep_contributions = false;
  /// Members per group, when known (the bot knows its members; a CSV does not). With it the
  /// company figures are post-stratified: each group counts by its share of the members, not by
  /// how many of them answered, so a team that answers less does not pull the score its way.
  /// A group counts at least as many members as it has respondents.
  std::optional<std::array<int, group_count>> population;
  /// Groups weighted together, as one stratum with their plain mean: the bot pools the groups it
  /// does not show, so a change in team sizes cannot tell two hidden groups apart.
  std::array<bool, group_count> pooled{};
  /// The stage label people were shown last week. With it, report::shown_stage carries it
  /// forward (stable_stage); without it the label is found by walking the trend.
  std::optional<stage> previous_stage;
};

/// Why a figure is not shown.
enum class withheld : std::uint8_t {
  no,               // shown
  too_few,          // about fewer than min_group_size people (or nobody)
  combination,      // shown with the figures around it, it would let a smaller group be worked out
  too_few_changed,  // fewer than min_group_size people changed since it was last published
};

/// A figure with its 95% interval. When `shown` is false the figure is suppressed (`why` says
/// why) and value and interval are zero so no renderer can leak them.
struct estimate {
  bool shown = false;
  double value = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  int respondents = 0;  // for suppressed group and dimension figures this is zero as well
  withheld why = withheld::too_few;
  double standard_error = 0.0;  // behind the interval; for tests of differences, never shown
};

/// Whether Sales and Marketing see a dimension differently.
enum class gap_verdict : std::uint8_t {
  too_few_to_tell,  // one side is not shown
  no_clear_gap,     // both shown; any difference is within the noise or under the threshold
  gap,              // at least perception_gap_threshold apart and clear of the noise
};

struct dimension_result {
  dimension dim = dimension::conflict_trust;
  estimate mean;  // on the 1–5 scale
  estimate sales;
  estimate marketing;
  std::optional<double> gap;  // sales − marketing, when both sides are shown
  /// Simultaneous interval for the gap (Bonferroni over the seven dimensions), when `gap` is set.
  double gap_ci_low = 0.0;
  double gap_ci_high = 0.0;
  gap_verdict verdict = gap_verdict::too_few_to_tell;
  bool perception_gap = false;  // verdict == gap
};

enum class trend_change : std::uint8_t { none, steady, up, down };

struct trend_point {
  iso_week week;
  estimate score;  // the overall score as of `week` with the same rolling window
  trend_change change = trend_change::none;  // against the previous week, beyond the noise?
  double delta = 0.0;                        // score change against the previous week
};

/// Where a score sits among the stages, given its interval.
struct stage_reading {
  stage at = stage::undefined;       // band of the point estimate
  stage lowest = stage::undefined;   // band of the interval's low end
  stage highest = stage::undefined;  // band of the interval's high end
  /// The interval spans a band edge: the data cannot tell which side the company is on.
  bool on_border() const { return lowest != highest; }
};
stage_reading read_stage(const estimate& score);

/// The stage label people see, kept until the evidence moves: it changes from `previous` only
/// when the whole interval lies outside `previous`'s band, and then becomes the point estimate's
/// band. Without a previous label it is the point estimate's band.
stage stable_stage(std::optional<stage> previous, const estimate& score);

/// Head counts behind a report's figures, for disclosure control only: never rendered (a group's
/// count is shown only with its figure).
struct cell_counts {
  int all = 0;
  std::array<int, group_count> groups{};
  std::array<int, dimension_count> all_by_dimension{};
  std::array<std::array<int, dimension_count>, group_count> by_group_dimension{};
};

/// How a group's latest answers in the window to one statement split (never rendered).
struct dont_know_count {
  int answered = 0;   // people whose latest answer is a rating or don't know
  int dont_know = 0;  // of them, don't know
};

/// Many people of one side could not judge a statement ("40% of Sales can't judge q11"): at least
/// frequent_dont_know_share of at least min_group_size answers. Published only together with that
/// side's figure for the statement's dimension, which release control guards: a change to or from
/// "don't know" changes a person's part in it.
struct dont_know_finding {
  std::uint8_t item = 0;
  group side = group::sales;
  double share = 0.0;  // rounded to a tenth when published
  /// Published as "`share` or more": never "all of them", which would tell of anyone known to
  /// have been asked the statement that they could not judge it.
  bool at_least = false;
  int answered = 0;  // how many answered it; dropped when published
};

/// One respondent's latest answers in the window (0 = not answered), for release control.
struct contribution {
  std::uint32_t respondent = 0;
  group in = group::other;
  std::array<std::uint8_t, statement_count> values{};
};

struct report {
  iso_week as_of;
  int window_weeks = default_window_weeks;
  int min_group_size = default_min_group_size;
  /// Overall score. Unlike group figures it keeps `respondents` when suppressed: a head count
  /// of the whole company says nothing about any answer, and tells people how many are missing.
  estimate score;
  std::array<estimate, group_count> groups;
  std::array<dimension_result, dimension_count> dimensions;
  std::vector<trend_point> trend;
  /// The change from the first shown trend point to `as_of`, judged against the noise like the
  /// weekly changes (none when either end is suppressed or they are the same week).
  trend_point overall_change;
  /// The stage label to show people (hysteresis over the trend, see stable_stage); none when
  /// the score is not shown.
  std::optional<stage> shown_stage;
  cell_counts cells;
  std::array<std::array<dont_know_count, statement_count>, group_count> dont_knows{};
  std::vector<dont_know_finding> dont_know_findings;  // Sales first, then by statement
  std::vector<contribution> contributions;  // only with scoring_options::keep_contributions

  /// Band of the point estimate (the `stage` of the written contract).
  std::optional<stage> current_stage() const;
  const estimate& group_score(group g) const { return groups[static_cast<std::size_t>(g)]; }
  const dimension_result& dimension_figures(dimension d) const {
    return dimensions[static_cast<std::size_t>(d)];
  }
  /// Shown dimension with the lowest mean.
  std::optional<dimension> weakest_dimension() const;
  /// Dimension with the largest perception gap (verdict gap), if any.
  std::optional<dimension> largest_gap() const;
};

/// Throws std::invalid_argument for options outside their ranges (window, anonymity floor).
report build_report(const survey& data, const scoring_options& options);

}  // namespace smrel::scoring
