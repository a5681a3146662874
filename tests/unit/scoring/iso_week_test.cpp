#include "scoring/iso_week.hpp"

#include <gtest/gtest.h>

namespace smrel::scoring {
namespace {

using namespace std::chrono;

TEST(iso_week, parses_and_formats_round_trip) {
  const auto w = iso_week::parse("2026-W48");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->year(), 2026);
  EXPECT_EQ(w->week(), 48);
  EXPECT_EQ(w->to_string(), "2026-W48");
  EXPECT_EQ(w->monday(), sys_days{2026y / November / 23});
}

TEST(iso_week, year_boundaries_follow_iso_rules) {
  // 2021-01-01 (a Friday) belongs to 2020-W53; 2024-12-30 (a Monday) is 2025-W01.
  EXPECT_EQ(iso_week::containing(sys_days{2021y / January / 1}).to_string(), "2020-W53");
  EXPECT_EQ(iso_week::containing(sys_days{2024y / December / 30}).to_string(), "2025-W01");
  EXPECT_EQ(iso_week::containing(sys_days{1970y / January / 1}).to_string(), "1970-W01");
  EXPECT_EQ(*iso_week::parse("2021-W01") - *iso_week::parse("2020-W53"), 1);
}

TEST(iso_week, rejects_malformed_and_impossible_weeks) {
  for (const auto* bad : {"2026-W00", "2026-W54", "2025-W53", "2026W48", "2026-w48", "26-W48",
                          "2026-W4", "2026-W488", "", "abcd-W12", "+026-W12"}) {
    EXPECT_FALSE(iso_week::parse(bad)) << bad;
  }
  EXPECT_TRUE(iso_week::parse("2026-W53"));  // 2026 has 53 ISO weeks
  EXPECT_EQ(weeks_in_iso_year(2026), 53);
  EXPECT_EQ(weeks_in_iso_year(2025), 52);
}

TEST(iso_week, arithmetic_is_in_weeks) {
  const auto w = *iso_week::parse("2026-W01");
  EXPECT_EQ((w - 1).to_string(), "2025-W52");
  EXPECT_EQ((w + 52).to_string(), "2026-W53");
}

}  // namespace
}  // namespace smrel::scoring
