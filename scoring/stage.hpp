#pragma once
// The article's four stages of the Sales–Marketing relationship and their score bands.
#include <cstdint>
#include <optional>
#include <string_view>

#include "scoring/instrument.hpp"

namespace smrel::scoring {

enum class stage : std::uint8_t { undefined, defined, aligned, integrated };

inline constexpr double lowest_score = 20.0;
inline constexpr double highest_score = 100.0;
inline constexpr double defined_from = 40.0;
inline constexpr double aligned_from = 60.0;
inline constexpr double integrated_from = 80.0;

/// Undefined below 40, Defined below 60, Aligned below 80, else Integrated.
stage stage_of(double score);
std::string_view stage_name(stage s);  // "Undefined", … as the article spells them
std::string_view stage_name(stage s, locale lang);
std::optional<stage> next_stage(stage s);
/// The lowest score of a stage's band (20, 40, 60, 80).
double band_from(stage s);

}  // namespace smrel::scoring
