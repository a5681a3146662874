#include "scoring/stage.hpp"

#include <gtest/gtest.h>

namespace smrel::scoring {
namespace {

TEST(stage, bands_match_the_article_at_every_boundary) {
  EXPECT_EQ(stage_of(20.0), stage::undefined);
  EXPECT_EQ(stage_of(39.99), stage::undefined);
  EXPECT_EQ(stage_of(40.0), stage::defined);
  EXPECT_EQ(stage_of(59.99), stage::defined);
  EXPECT_EQ(stage_of(60.0), stage::aligned);
  EXPECT_EQ(stage_of(79.99), stage::aligned);
  EXPECT_EQ(stage_of(80.0), stage::integrated);
  EXPECT_EQ(stage_of(100.0), stage::integrated);
}

TEST(stage, binary_rounding_just_below_a_boundary_counts_as_the_boundary) {
  // 20 × 3.0 computed as a mean of means can come out one ulp short of 60.
  EXPECT_EQ(stage_of(59.999999999999993), stage::aligned);
}

TEST(stage, names_in_both_languages_and_next_stage) {
  EXPECT_EQ(stage_name(stage::aligned), "Aligned");
  EXPECT_EQ(stage_name(stage::integrated, locale::nl), "Geïntegreerd");
  EXPECT_EQ(next_stage(stage::defined), stage::aligned);
  EXPECT_FALSE(next_stage(stage::integrated));
}

}  // namespace
}  // namespace smrel::scoring
