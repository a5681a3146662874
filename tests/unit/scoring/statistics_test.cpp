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


TEST(statistics, t_distribution_function_matches_tables) {
  // Values from the standard t tables (and R's pt/qt).
  EXPECT_NEAR(student_t_cdf(2.0, 3.0), 0.930337, 1e-6);
  EXPECT_NEAR(student_t_cdf(-2.0, 3.0), 0.069663, 1e-6);
  EXPECT_NEAR(student_t_cdf(0.0, 7.5), 0.5, 1e-12);
  EXPECT_NEAR(student_t_cdf(1.0, 1.0), 0.75, 1e-9);  // Cauchy
  EXPECT_NEAR(student_t_cdf(1.959963984540054, 1e7), 0.975, 1e-6);
}

TEST(statistics, t_quantile_inverts_the_distribution_function) {
  EXPECT_NEAR(student_t_quantile(0.975, 5.0), 2.570581836, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.99, 10.0), 2.763769458, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.025, 1.0), -12.706204736, 1e-5);
  // Bonferroni over seven comparisons: 1 − 0.05/14 at 20 degrees of freedom.
  EXPECT_NEAR(student_t_quantile(1.0 - 0.05 / 14.0, 20.0), 2.995815, 1e-5);
  for (const int df : {1, 4, 30, 200}) {
    EXPECT_NEAR(student_t_quantile(0.975, df), t_critical_95(df), 1e-5) << df;
  }
}

}  // namespace
}  // namespace smrel::scoring
