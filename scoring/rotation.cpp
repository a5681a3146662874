#include "scoring/rotation.hpp"

namespace smrel::scoring {
namespace {

// Zero-based statement indices (q01 = 0). Each block asks four different dimensions, and the
// blocks mix the statements rather than follow their ids (which keep version 1's order, the
// order of the article's questionnaire). Feedback loops, shared KPIs & funnel and joint planning
// (four statements each) appear in four blocks; the other dimensions (three each) in three.
constexpr std::array<pulse_block, rotation_weeks> blocks{{
    {5, 3, 1, 21},     // q06 feedback, q04 planning, q02 conflict, q22 communication
    {20, 19, 2, 23},   // q21 feedback, q20 planning, q03 customers, q24 structure
    {4, 13, 15, 12},   // q05 feedback, q14 funnel, q16 conflict, q13 customers
    {14, 0, 7, 17},    // q15 feedback, q01 funnel, q08 communication, q18 structure
    {22, 10, 9, 16},   // q23 funnel, q11 planning, q10 conflict, q17 structure
    {11, 8, 6, 18},    // q12 funnel, q09 planning, q07 communication, q19 customers
}};

}  // namespace

const pulse_block& pulse_statements(iso_week week, std::uint32_t person_offset) {
  const auto slot = (static_cast<std::int64_t>(week.index) + person_offset) % rotation_weeks;
  return blocks[static_cast<std::size_t>(slot < 0 ? slot + rotation_weeks : slot)];
}

}  // namespace smrel::scoring
