#include "scoring/stage.hpp"

#include <array>

namespace smrel::scoring {
namespace {

// Scores are 20 × a mean of means; binary rounding can leave a true 60 at 59.999999999999993.
// The tolerance is far below any difference a respondent can make (1/20 of a point at most
// 10,000 respondents is 0.0001), so it only absorbs rounding.
constexpr double rounding_tolerance = 1e-9;

constexpr std::array<std::string_view, 4> names_en{"Undefined", "Defined", "Aligned", "Integrated"};
constexpr std::array<std::string_view, 4> names_nl{"Ongedefinieerd", "Gedefinieerd", "Afgestemd",
                                                   "Geïntegreerd"};

}  // namespace

stage stage_of(double score) {
  const double s = score + rounding_tolerance;
  if (s < defined_from) return stage::undefined;
  if (s < aligned_from) return stage::defined;
  if (s < integrated_from) return stage::aligned;
  return stage::integrated;
}

std::string_view stage_name(stage s) { return names_en[static_cast<std::size_t>(s)]; }

std::string_view stage_name(stage s, locale lang) {
  return (lang == locale::nl ? names_nl : names_en)[static_cast<std::size_t>(s)];
}

double band_from(stage s) {
  switch (s) {
    case stage::undefined: return lowest_score;
    case stage::defined: return defined_from;
    case stage::aligned: return aligned_from;
    case stage::integrated: return integrated_from;
  }
  return lowest_score;
}

std::optional<stage> next_stage(stage s) {
  if (s == stage::integrated) return std::nullopt;
  return static_cast<stage>(static_cast<int>(s) + 1);
}

}  // namespace smrel::scoring
