#include "scoring/rotation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace smrel::scoring {
namespace {

constexpr std::uint32_t offsets_tried = 13;

TEST(rotation, takes_five_to_seven_weeks) {
  static_assert(rotation_weeks >= 5 && rotation_weeks <= 7);
  EXPECT_EQ(rotation_weeks * statements_per_pulse, static_cast<int>(statement_count));
}

TEST(rotation, covers_every_statement_within_the_rotation_for_every_person) {
  for (const auto* start : {"2026-W10", "2026-W52", "2027-W01"}) {
    const auto first = *iso_week::parse(start);
    for (std::uint32_t offset = 0; offset < offsets_tried; ++offset) {
      std::multiset<int> asked;
      for (int w = 0; w < rotation_weeks; ++w) {
        for (const auto k : pulse_statements(first + w, offset)) asked.insert(k);
      }
      EXPECT_EQ(asked.size(), statement_count) << start << " offset " << offset;
      for (std::size_t k = 0; k < statement_count; ++k) {
        EXPECT_EQ(asked.count(static_cast<int>(k)), 1U) << statements()[k].id << " offset " << offset;
      }
    }
  }
}

TEST(rotation, every_statement_is_asked_every_week_when_all_offsets_are_present) {
  for (int w = -20; w < 20; ++w) {
    std::set<int> asked;
    for (std::uint32_t offset = 0; offset < static_cast<std::uint32_t>(rotation_weeks); ++offset) {
      for (const auto k : pulse_statements(iso_week{w}, offset)) asked.insert(k);
    }
    EXPECT_EQ(asked.size(), statement_count) << "week " << w;
  }
}

TEST(rotation, each_pulse_asks_four_statements_from_different_dimensions) {
  for (int w = 0; w < rotation_weeks; ++w) {
    const auto& block = pulse_statements(iso_week{w}, 0);
    std::set<int> distinct;
    std::set<dimension> dims;
    for (const auto k : block) {
      ASSERT_LT(k, statement_count);
      distinct.insert(k);
      dims.insert(statements()[k].dim);
    }
    EXPECT_EQ(distinct.size(), 4U) << "block " << w;
    EXPECT_GE(dims.size(), 3U) << "block " << w;
    EXPECT_EQ(dims.size(), 4U) << "block " << w << " asks one dimension twice";
  }
}

// Ids keep version 1's order, which is the order of the article's questionnaire: no block may
// present a run of it.
TEST(rotation, blocks_do_not_follow_the_order_of_the_ids) {
  const auto& first = pulse_statements(iso_week{0}, 0);
  EXPECT_NE(first, (pulse_block{0, 1, 2, 3}));
  for (int w = 0; w < rotation_weeks; ++w) {
    auto sorted = pulse_statements(iso_week{w}, 0);
    std::sort(sorted.begin(), sorted.end());
    const bool consecutive = sorted.back() - sorted.front() == statements_per_pulse - 1;
    EXPECT_FALSE(consecutive) << "block " << w << " is four consecutive ids";
  }
}

TEST(rotation, offsets_stagger_people_within_a_week) {
  const auto week = *iso_week::parse("2026-W10");
  EXPECT_NE(pulse_statements(week, 0), pulse_statements(week, 1));
  EXPECT_EQ(pulse_statements(week, 0), pulse_statements(week, rotation_weeks));
  EXPECT_EQ(pulse_statements(week + 1, 0), pulse_statements(week, 1));
}

TEST(rotation, negative_weeks_continue_the_cycle) {
  for (int w = -3 * rotation_weeks; w < 0; ++w) {
    EXPECT_EQ(pulse_statements(iso_week{w}, 0), pulse_statements(iso_week{w + rotation_weeks}, 0)) << w;
    EXPECT_EQ(pulse_statements(iso_week{w}, 1), pulse_statements(iso_week{w + 1}, 0)) << w;
  }
  EXPECT_EQ(pulse_statements(iso_week{-1}, 0), pulse_statements(iso_week{rotation_weeks - 1}, 0));
}

}  // namespace
}  // namespace smrel::scoring
