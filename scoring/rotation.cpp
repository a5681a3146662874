#include "scoring/rotation.hpp"

namespace smrel::scoring {
namespace {

// Zero-based statement indices (q01 = 0). Each block touches at least three dimensions.
constexpr std::array<pulse_block, rotation_weeks> blocks{{
    {0, 1, 5, 8},     // q01 q02 q06 q09
    {2, 6, 11, 17},   // q03 q07 q12 q18
    {3, 4, 9, 13},    // q04 q05 q10 q14
    {7, 12, 14, 16},  // q08 q13 q15 q17
    {10, 15, 18, 19}, // q11 q16 q19 q20
}};

}  // namespace

const pulse_block& pulse_statements(iso_week week, std::uint32_t person_offset) {
  const auto slot = (static_cast<std::int64_t>(week.index) + person_offset) % rotation_weeks;
  return blocks[static_cast<std::size_t>(slot < 0 ? slot + rotation_weeks : slot)];
}

}  // namespace smrel::scoring
