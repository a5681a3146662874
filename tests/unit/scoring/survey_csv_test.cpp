#include "scoring/survey_csv.hpp"

#include <gtest/gtest.h>

namespace smrel::scoring {
namespace {

TEST(survey_csv, reads_rows_in_order) {
  const auto parsed = parse_survey_csv(
      "week,respondent,group,item,value\n"
      "2026-W10,alice,sales,q01,4\r\n"
      "2026-W10,\"bob, jr\",marketing,q20,1\n"
      "\n"
      "2026-W11,alice,sales,q02,5\n");
  ASSERT_TRUE(parsed.ok()) << parsed.errors[0].message;
  EXPECT_EQ(parsed.rows, 3U);
  ASSERT_EQ(parsed.data.answers.size(), 3U);
  EXPECT_EQ(parsed.respondent_names[1], "bob, jr");
  EXPECT_EQ(parsed.data.answers[1].item, 19);
  EXPECT_EQ(parsed.data.answers[1].value, 1);
  EXPECT_EQ(parsed.data.answers[2].respondent, 0U);
  EXPECT_EQ(parsed.last_week()->to_string(), "2026-W11");
}

TEST(survey_csv, accepts_a_byte_order_mark_and_reordered_columns) {
  const auto parsed = parse_survey_csv("\xEF\xBB\xBFitem,value,week,group,respondent\nq03,2,2026-W10,other,x\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.data.answers[0].item, 2);
  EXPECT_EQ(parsed.data.respondent_groups[0], group::other);
}

TEST(survey_csv, reports_every_bad_row_with_its_line_number) {
  const auto parsed = parse_survey_csv(
      "week,respondent,group,item,value\n"
      "2026-W10,a,sales,q01,4\n"        // 2 ok
      "2026-W60,a,sales,q01,4\n"        // 3 bad week
      "2026-W10,,sales,q01,4\n"         // 4 empty respondent
      "2026-W10,b,finance,q01,4\n"      // 5 bad group
      "2026-W10,b,sales,q25,4\n"        // 6 bad item
      "2026-W10,b,sales,q01,6\n"        // 7 out of range
      "2026-W10,b,sales,q01,3.0\n"      // 8 not whole
      "2026-W10,a,marketing,q02,4\n"    // 9 group changed
      "2026-W10,a,sales,q02\n"          // 10 too few fields
      "2026-W10,\"a,sales,q02,4\n");    // 11 unclosed quote
  ASSERT_EQ(parsed.errors.size(), 9U);
  std::vector<std::size_t> lines;
  for (const auto& e : parsed.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_NE(parsed.errors[6].message.find("on line 2"), std::string::npos);
  EXPECT_EQ(parsed.data.answers.size(), 1U);
}

TEST(survey_csv, refuses_a_wrong_header_and_empty_input) {
  auto parsed = parse_survey_csv("week,person,group,item,value\n2026-W10,a,sales,q01,4\n");
  ASSERT_EQ(parsed.errors.size(), 1U);
  EXPECT_EQ(parsed.errors[0].line, 1U);
  parsed = parse_survey_csv("");
  ASSERT_EQ(parsed.errors.size(), 1U);
  EXPECT_EQ(parsed.errors[0].line, 0U);
}

TEST(survey_csv, quotes_fields_only_when_needed) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  const auto parsed = parse_survey_csv("week,respondent,group,item,value\n2026-W10," + csv_field("x \"y\", z") + ",sales,q01,2\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.respondent_names[0], "x \"y\", z");
}

TEST(survey_csv, dk_is_kept_as_dont_know_and_never_scored) {
  const auto parsed = parse_survey_csv(
      "week,respondent,group,item,value\n"
      "2026-W10,a,sales,q02,4\n"
      "2026-W10,b,sales,q02,dk\n"
      "2026-W10,c,sales,q02,DK\n");  // only "dk" is the answer
  ASSERT_EQ(parsed.errors.size(), 1U);
  EXPECT_EQ(parsed.errors[0].line, 4U);
  ASSERT_EQ(parsed.data.answers.size(), 2U);
  EXPECT_EQ(parsed.data.answers[1].value, dont_know);
  EXPECT_EQ(parsed.data.answers[0].wording, instrument_version) << "without the column: the current wording";
}

TEST(survey_csv, an_instrument_column_names_the_wording_answered) {
  std::size_t changed = 0;
  while (statements()[changed].wording_since == 1) ++changed;
  const auto id = std::string(statements()[changed].id);
  const auto parsed = parse_survey_csv(
      "week,respondent,group,item,value,instrument\n"
      "2026-W10,a,sales," + id + ",4,1\n"
      "2026-W10,b,sales," + id + ",4,2\n"
      "2026-W10,c,sales,q24,4,1\n"   // q24 came with version 2
      "2026-W10,d,sales,q02,4,3\n"   // no such version
      "2026-W10,e,sales,q02,4\n");   // too few fields
  std::vector<std::size_t> lines;
  for (const auto& e : parsed.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{4, 5, 6}));
  ASSERT_EQ(parsed.data.answers.size(), 2U);
  EXPECT_EQ(parsed.data.answers[0].wording, 1);
  EXPECT_EQ(parsed.data.answers[1].wording, 2);
}

}  // namespace
}  // namespace smrel::scoring
