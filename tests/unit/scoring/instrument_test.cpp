#include "scoring/instrument.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace smrel::scoring {
namespace {

TEST(instrument, has_twenty_statements_q01_to_q20_in_order) {
  ASSERT_EQ(statements().size(), 20U);
  for (std::size_t i = 0; i < statements().size(); ++i) {
    const auto expected = (i < 9 ? "q0" : "q") + std::to_string(i + 1);
    EXPECT_EQ(statements()[i].id, expected);
    EXPECT_EQ(statement_index(expected), i);
  }
  EXPECT_FALSE(statement_index("q21"));
  EXPECT_FALSE(statement_index("Q01"));
}

TEST(instrument, every_statement_is_written_in_english_and_dutch) {
  std::set<std::string_view> seen_en;
  std::set<std::string_view> seen_nl;
  for (const auto& s : statements()) {
    EXPECT_GT(s.text_en.size(), 20U) << s.id;
    EXPECT_GT(s.text_nl.size(), 20U) << s.id;
    EXPECT_NE(s.text_en, s.text_nl) << s.id;
    EXPECT_TRUE(seen_en.insert(s.text_en).second) << s.id;
    EXPECT_TRUE(seen_nl.insert(s.text_nl).second) << s.id;
    EXPECT_EQ(s.text(locale::nl), s.text_nl);
  }
}

TEST(instrument, every_dimension_has_at_least_two_statements) {
  ASSERT_GE(all_dimensions.size(), 7U);
  for (const dimension d : all_dimensions) {
    int count = 0;
    for (const auto& s : statements()) count += s.dim == d;
    EXPECT_GE(count, 2) << dimension_id(d);
    EXPECT_FALSE(dimension_name(d, locale::en).empty());
    EXPECT_FALSE(dimension_name(d, locale::nl).empty());
    EXPECT_EQ(parse_dimension(dimension_id(d)), d);
  }
  EXPECT_TRUE(parse_dimension("shared_kpis_funnel"));
  EXPECT_TRUE(parse_dimension("feedback_loops"));
}

TEST(instrument, groups_locales_and_rating_labels) {
  EXPECT_EQ(parse_group("marketing"), group::marketing);
  EXPECT_FALSE(parse_group("Sales"));
  EXPECT_EQ(parse_locale("nl-NL"), locale::nl);
  EXPECT_EQ(parse_locale("en_GB"), locale::en);
  EXPECT_FALSE(parse_locale("de-DE"));
  EXPECT_EQ(rating_label(1, locale::en), "Strongly disagree");
  EXPECT_EQ(rating_label(5, locale::nl), "Helemaal eens");
  EXPECT_TRUE(rating_label(6, locale::en).empty());
}

}  // namespace
}  // namespace smrel::scoring
