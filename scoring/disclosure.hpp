#pragma once
// Statistical disclosure control: what a report may publish so that no arithmetic on published
// figures recovers anything about fewer than `min_group_size` people.
//
// Suppressing each small figure on its own is not enough. A reader can subtract: the company
// score minus its shown groups is the rest of the company; a dimension mean minus the Sales and
// Marketing means is everybody else on that dimension; this week's figure minus last week's is
// whoever changed in between. So, on top of the per-figure minimum:
//   - combinations (one report): a group's figures are withheld when the people left out of the
//     shown groups would number 1 … min_group_size − 1 — on the score and on every dimension.
//     Dimension means are shown all or none, so one cannot be worked out from the score and the
//     other six; a group's dimension means likewise. The company score is never withheld for
//     this: it is the sum of everybody.
//   - changes over time (against earlier releases): a figure is withheld when the people whose
//     part in it differs from an earlier published release of it — they joined, left (erased,
//     or their answers aged out of the window), moved team, or answered differently — number
//     1 … min_group_size − 1, and group figures are withheld when the changes not covered by
//     groups shown in both releases would be that few. The difference of two releases is then
//     always about min_group_size people or more (or nobody).
//   - rounding: published figures are rounded to what chat shows.
// Which figure is withheld, and why, is kept in estimate::why for the renderers.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/report.hpp"

namespace smrel::scoring {

/// One person behind a release, as opaque tokens: who (stable across releases), their group, and
/// per dimension a token of their latest ratings on it (0 when they rated nothing on it). Tokens
/// are keyed hashes made by the caller, so a stored release holds no answers.
struct person_token {
  std::uint64_t person = 0;
  group in = group::other;
  std::array<std::uint64_t, dimension_count> dimensions{};

  bool operator==(const person_token&) const = default;
};

/// One person's ratings on dimension `d` as text ("q03=4,q11=2"; empty when none): what the
/// caller's keyed dimension token is made of. "Don't know" is not a rating: it moves no figure.
std::string dimension_answers(const contribution& c, std::size_t d);

/// What an earlier release published, and whose answers were behind it.
struct release_shape {
  bool score = false;
  std::array<bool, group_count> groups{};
  bool dimensions = false;                          // the company's dimension means
  std::array<bool, group_count> group_dimensions{};  // Sales' and Marketing's dimension means
  std::vector<person_token> people;
};

/// The stable id of a reason, as JSON and the export print it ("too_few_people", …; empty for
/// a shown figure).
std::string_view withheld_id(withheld why);

/// Withholds figures that could be combined with the report's other figures into a figure
/// about fewer than min_group_size people.
void withhold_combinations(report& r);

/// Drops "can't judge" findings of a side withheld as too small or as revealing a smaller group
/// (not of one held back for few changes: findings are released by block, not week by week).
void withhold_findings_of_hidden_sides(report& r);

/// Withholds figures whose difference from any `earlier` release would be about fewer than
/// min_group_size people; `now` are the people behind `r`. Call after withhold_combinations.
void withhold_small_changes(report& r, std::span<const person_token> now, std::span<const release_shape> earlier);

/// Rounds every published figure to what chat shows: scores and changes to whole points,
/// means and gaps to tenths, intervals outwards; standard errors are dropped.
void round_for_publication(report& r);

/// A report as `smrel score` publishes it: built, withheld for combinations, rounded. (The bot
/// adds release control over time; see the engine's releases.)
report build_published_report(const survey& data, const scoring_options& options);

/// What `r` publishes, with the people behind it, for later releases to compare against.
release_shape shape_of(const report& r, std::vector<person_token> people);

}  // namespace smrel::scoring
