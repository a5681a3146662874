#pragma once
// The instrument: statements in seven dimensions, based on the article by Kotler, Rackham &
// Krishnaswamy, "Ending the War Between Sales and Marketing" (HBR, 2006), not the article's
// questionnaire: our own statements, each about one thing the person asked can see for
// themselves, in English and Dutch that mean the same.
//
// Versions: statements keep their ids for good; when a statement's wording changes (in either
// language) the instrument gets a new version, and the statement records the version its current
// wording came with. Every answer records the version whose wording the person saw, and an answer
// counts only for the wording it was given to (see answers_current_wording).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace smrel::scoring {

enum class locale : std::uint8_t { en, nl };

enum class dimension : std::uint8_t {
  conflict_trust,
  communication,
  feedback_loops,
  shared_kpis_funnel,
  joint_planning,
  customers_enablement,
  structure_roles,
};

enum class group : std::uint8_t { sales, marketing, leadership, other };

/// The current instrument. Version 1 had 20 statements (q01…q20); version 2 rewrote 18 of them
/// and added q21…q24.
inline constexpr std::uint8_t instrument_version = 2;
inline constexpr std::uint8_t first_instrument_version = 1;
inline constexpr std::size_t statement_count = 24;
inline constexpr std::size_t dimension_count = 7;
inline constexpr std::size_t group_count = 4;
inline constexpr int lowest_rating = 1;
inline constexpr int highest_rating = 5;
/// The sixth answer, "don't know / can't judge": stored and counted in participation, never scored.
inline constexpr std::uint8_t dont_know = 6;
/// A rating 1…5 or don't know.
inline constexpr bool is_answer_value(int value) {
  return (value >= lowest_rating && value <= highest_rating) || value == dont_know;
}

/// One rated statement; `id` is the stable key used in storage, CSV and buttons.
struct statement {
  std::string_view id;  // "q01" … "q24"
  dimension dim;
  std::uint8_t wording_since;  // the instrument version that brought this wording
  std::string_view text_en;
  std::string_view text_nl;

  std::string_view text(locale lang) const { return lang == locale::nl ? text_nl : text_en; }
};

/// The current statements, in id order (q01 = index 0). Ids are keys, not a presentation order.
std::span<const statement, statement_count> statements();
std::optional<std::size_t> statement_index(std::string_view id);

/// Whether an answer given under instrument version `answered_under` answers the statement's
/// current wording. Answers to an earlier wording are kept but never scored: a changed statement
/// counts only from its change (a person's next answer to it), so no figure mixes two wordings.
inline bool answers_current_wording(const statement& s, std::uint8_t answered_under) {
  return answered_under >= s.wording_since;
}

/// The text statement `index` had in instrument `version` (an older pulse message is shown and
/// updated in the wording it was sent with). Empty when the statement did not exist then.
std::string_view wording(std::size_t index, std::uint8_t version, locale lang);

std::string_view dimension_id(dimension d);
std::string_view dimension_name(dimension d, locale lang);
std::optional<dimension> parse_dimension(std::string_view id);
inline constexpr std::array<dimension, dimension_count> all_dimensions{
    dimension::conflict_trust,     dimension::communication,  dimension::feedback_loops,
    dimension::shared_kpis_funnel, dimension::joint_planning, dimension::customers_enablement,
    dimension::structure_roles};

std::string_view group_id(group g);
std::optional<group> parse_group(std::string_view id);
inline constexpr std::array<group, group_count> all_groups{group::sales, group::marketing,
                                                           group::leadership, group::other};

std::string_view locale_id(locale lang);
std::optional<locale> parse_locale(std::string_view id);  // "en", "nl", "nl-NL", "en_GB", …

/// `value` with one decimal as people of `lang` write it: "3.4" in English, "3,4" in Dutch.
std::string one_decimal(double value, locale lang);

/// The labels of the five-point scale (1…5) and of dont_know; empty for anything else.
std::string_view rating_label(int value, locale lang);

}  // namespace smrel::scoring
