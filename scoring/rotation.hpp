#pragma once
// Which statements a person is asked in a given week. Six blocks of four statements, each block
// asking four different dimensions and none following the ids' order, cover all twenty-four in six
// weeks; a per-person offset staggers people so that every week every statement is answered by
// someone (given at least six people), which keeps the rolling window full.
#include <array>
#include <cstdint>
#include <span>

#include "scoring/instrument.hpp"
#include "scoring/iso_week.hpp"

namespace smrel::scoring {

inline constexpr int statements_per_pulse = 4;
inline constexpr int rotation_weeks = static_cast<int>(statement_count) / statements_per_pulse;

using pulse_block = std::array<std::uint8_t, statements_per_pulse>;  // statement indices

const pulse_block& pulse_statements(iso_week week, std::uint32_t person_offset);

}  // namespace smrel::scoring
