#include "scoring/statistics.hpp"

#include <gtest/gtest.h>

namespace smrel::scoring {
namespace {

TEST(statistics, t_critical_values_match_tables) {
  EXPECT_NEAR(t_critical_95(1), 12.7062, 1e-4);
  EXPECT_NEAR(t_critical_95(4), 2.7764, 1e-4);
  EXPECT_NEAR(t_critical_95(30), 2.0423, 1e-4);
  EXPECT_NEAR(t_critical_95(40), 2.0211, 1e-4);   // beyond the table: expansion
  EXPECT_NEAR(t_critical_95(120), 1.9799, 1e-4);
  EXPECT_NEAR(t_critical_95(100000), 1.9600, 1e-4);
}

TEST(statistics, critical_value_shrinks_with_more_degrees_of_freedom) {
  for (int df = 1; df < 200; ++df) EXPECT_GT(t_critical_95(df), t_critical_95(df + 1)) << df;
}

}  // namespace
}  // namespace smrel::scoring
