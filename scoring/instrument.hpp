#pragma once
// The instrument: 20 statements in seven dimensions, based on (not copied from) the questionnaire
// in Kotler, Rackham & Krishnaswamy, "Ending the War Between Sales and Marketing" (HBR, 2006).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
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

inline constexpr std::size_t statement_count = 20;
inline constexpr std::size_t dimension_count = 7;
inline constexpr std::size_t group_count = 4;
inline constexpr int lowest_rating = 1;
inline constexpr int highest_rating = 5;

/// One rated statement; `id` is the stable key used in storage, CSV and buttons.
struct statement {
  std::string_view id;  // "q01" … "q20"
  dimension dim;
  std::string_view text_en;
  std::string_view text_nl;

  std::string_view text(locale lang) const { return lang == locale::nl ? text_nl : text_en; }
};

std::span<const statement, statement_count> statements();
std::optional<std::size_t> statement_index(std::string_view id);

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

/// The five-point scale's labels, lowest first.
std::string_view rating_label(int value, locale lang);

}  // namespace smrel::scoring
