#include "scoring/rotation.hpp"

#include <gtest/gtest.h>

#include <set>

namespace smrel::scoring {
namespace {

TEST(rotation, covers_all_twenty_statements_within_five_weeks) {
  const auto start = *iso_week::parse("2026-W10");
  for (std::uint32_t offset = 0; offset < 7; ++offset) {
    std::set<int> asked;
    for (int w = 0; w < rotation_weeks; ++w) {
      for (const auto k : pulse_statements(start + w, offset)) asked.insert(k);
    }
    EXPECT_EQ(asked.size(), statement_count) << offset;
  }
}

TEST(rotation, each_pulse_asks_four_statements_across_several_dimensions) {
  for (int w = 0; w < rotation_weeks; ++w) {
    std::set<dimension> dims;
    for (const auto k : pulse_statements(iso_week{w}, 0)) dims.insert(statements()[k].dim);
    EXPECT_GE(dims.size(), 3U);
  }
}

TEST(rotation, offsets_stagger_people_within_a_week) {
  const auto week = *iso_week::parse("2026-W10");
  EXPECT_NE(pulse_statements(week, 0), pulse_statements(week, 1));
  EXPECT_EQ(pulse_statements(week, 0), pulse_statements(week, 5));
  EXPECT_EQ(pulse_statements(iso_week{-3}, 0), pulse_statements(iso_week{2}, 0));  // negative weeks
}

}  // namespace
}  // namespace smrel::scoring
