#pragma once
// Scores a set of pulse answers into the figures smrel shows: overall and per-group score with a
// 95% confidence interval, stage, dimension means with the Sales–Marketing perception gap, and
// the weekly trend. Every figure about fewer than `min_group_size` people is suppressed.
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
/// Sales and Marketing means this far apart (on the 1–5 scale) are a perception gap.
inline constexpr double perception_gap_threshold = 0.5;

/// One rating. Respondents are dense indices chosen by the caller (see `survey`).
struct answer {
  iso_week week;
  std::uint32_t respondent = 0;
  std::uint8_t item = 0;   // statement index, 0 = q01
  std::uint8_t value = 0;  // 1…5
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
};

/// A figure with its 95% interval. When `shown` is false the figure is suppressed (too few
/// respondents, or none) and value and interval are zero so no renderer can leak them.
struct estimate {
  bool shown = false;
  double value = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  int respondents = 0;  // for suppressed group and dimension figures this is zero as well
};

struct dimension_result {
  dimension dim = dimension::conflict_trust;
  estimate mean;  // on the 1–5 scale
  estimate sales;
  estimate marketing;
  std::optional<double> gap;  // sales − marketing, when both sides are shown
  bool perception_gap = false;
};

enum class trend_change : std::uint8_t { none, steady, up, down };

struct trend_point {
  iso_week week;
  estimate score;  // the overall score as of `week` with the same rolling window
  trend_change change = trend_change::none;  // against the previous week, beyond the noise?
  double delta = 0.0;                        // score change against the previous week
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

  std::optional<stage> current_stage() const;
  const estimate& group_score(group g) const { return groups[static_cast<std::size_t>(g)]; }
  const dimension_result& dimension_figures(dimension d) const {
    return dimensions[static_cast<std::size_t>(d)];
  }
  /// Shown dimension with the lowest mean.
  std::optional<dimension> weakest_dimension() const;
  /// Dimension with the largest perception gap, if any reaches the threshold.
  std::optional<dimension> largest_gap() const;
};

/// Throws std::invalid_argument for options outside their ranges (window, anonymity floor).
report build_report(const survey& data, const scoring_options& options);

}  // namespace smrel::scoring
