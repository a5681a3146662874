#include "scoring/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

namespace smrel::scoring {
namespace {

const iso_week week10 = *iso_week::parse("2026-W10");

// Builds a survey by respondent name, in arrival order.
class survey_builder {
 public:
  survey_builder& add(const std::string& who, group g, iso_week week, int item, int value,
                      std::uint8_t wording = instrument_version) {
    auto [it, inserted] = ids_.try_emplace(who, static_cast<std::uint32_t>(data_.respondent_groups.size()));
    if (inserted) data_.respondent_groups.push_back(g);
    data_.answers.push_back({week, it->second, static_cast<std::uint8_t>(item), static_cast<std::uint8_t>(value), wording});
    return *this;
  }
  const survey& get() const { return data_; }

 private:
  survey data_;
  std::map<std::string, std::uint32_t> ids_;
};

scoring_options as_of(iso_week week, int min_group = 3) {
  scoring_options o;
  o.as_of = week;
  o.min_group_size = min_group;
  return o;
}

TEST(report, score_is_twenty_times_the_mean_of_statement_means) {
  survey_builder b;
  // q01: 5, 3, 4 → 4.0; q02: 2, 4 → 3.0 (C did not answer q02); score = 20 × 3.5 = 70.
  b.add("a", group::sales, week10, 0, 5).add("b", group::sales, week10, 0, 3).add("c", group::sales, week10, 0, 4);
  b.add("a", group::sales, week10, 1, 2).add("b", group::sales, week10, 1, 4);
  const auto r = build_report(b.get(), as_of(week10));
  ASSERT_TRUE(r.score.shown);
  EXPECT_DOUBLE_EQ(r.score.value, 70.0);
  EXPECT_EQ(r.score.respondents, 3);
  EXPECT_EQ(r.current_stage(), stage::aligned);
}

TEST(report, confidence_interval_for_one_statement_is_the_t_interval_of_the_mean) {
  survey_builder b;
  for (int v = 1; v <= 5; ++v) b.add("p" + std::to_string(v), group::other, week10, 0, v);
  const auto r = build_report(b.get(), as_of(week10));
  // mean 3 → score 60; s² = 2.5, SE(score) = 20·√(2.5/5) = 14.1421; t(4) = 2.776445.
  EXPECT_DOUBLE_EQ(r.score.value, 60.0);
  EXPECT_NEAR(r.score.ci_low, 60.0 - 2.776445 * 14.142136, 1e-4);
  EXPECT_NEAR(r.score.ci_high, 60.0 + 2.776445 * 14.142136, 1e-4);
}

TEST(report, confidence_interval_with_partial_rotating_answers_clusters_by_respondent) {
  survey_builder b;
  // q01 by A, B, C (5, 3, 4 → mean 4); q02 by D, E, F (2, 4, 3 → mean 3). Score 70.
  // Influence u = 10·(x − m)/3: ±10/3 for A, B, D, E and 0 for C, F; Σu² = 400/9.
  // Variance = 6/5 · 400/9 = 53.333…, SE = 7.302967, t(5) = 2.570582 → margin 18.7729.
  b.add("A", group::sales, week10, 0, 5).add("B", group::sales, week10, 0, 3).add("C", group::sales, week10, 0, 4);
  b.add("D", group::marketing, week10, 1, 2).add("E", group::marketing, week10, 1, 4).add("F", group::marketing, week10, 1, 3);
  const auto r = build_report(b.get(), as_of(week10));
  EXPECT_DOUBLE_EQ(r.score.value, 70.0);
  EXPECT_NEAR(r.score.ci_high - r.score.value, 2.570582 * 7.302967, 1e-4);
  EXPECT_NEAR(r.score.value - r.score.ci_low, 2.570582 * 7.302967, 1e-4);
}

TEST(report, interval_is_clamped_to_the_scale) {
  survey_builder b;
  for (int i = 0; i < 3; ++i) b.add("p" + std::to_string(i), group::other, week10, 0, i == 0 ? 1 : 5);
  const auto r = build_report(b.get(), as_of(week10));
  EXPECT_GE(r.score.ci_low, 20.0);
  EXPECT_LE(r.score.ci_high, 100.0);
}

TEST(report, latest_answer_in_the_window_wins) {
  survey_builder b;
  for (int i = 0; i < 3; ++i) {
    const auto who = "p" + std::to_string(i);
    b.add(who, group::other, week10 - 3, 0, 1);
    b.add(who, group::other, week10 - 1, 0, 5);  // later week wins
  }
  b.add("p0", group::other, week10, 1, 2).add("p0", group::other, week10, 1, 4);  // same week: later row wins
  b.add("p1", group::other, week10 + 1, 0, 1);  // after "as of": ignored
  const auto r = build_report(b.get(), as_of(week10));
  // q01 mean 5, q02 mean 4 → 20 × 4.5 = 90.
  EXPECT_DOUBLE_EQ(r.score.value, 90.0);
}

TEST(report, window_boundaries_are_inclusive_of_exactly_window_weeks) {
  survey_builder b;
  for (int i = 0; i < 3; ++i) {
    b.add("old" + std::to_string(i), group::other, week10 - 8, 0, 1);  // just outside an 8-week window
    b.add("edge" + std::to_string(i), group::other, week10 - 7, 1, 5);  // first week inside
  }
  auto r = build_report(b.get(), as_of(week10));
  EXPECT_DOUBLE_EQ(r.score.value, 100.0);
  EXPECT_EQ(r.score.respondents, 3);

  auto wider = as_of(week10);
  wider.window_weeks = 9;
  r = build_report(b.get(), wider);
  EXPECT_DOUBLE_EQ(r.score.value, 60.0);  // (1 + 5) / 2 × 20
  EXPECT_EQ(r.score.respondents, 6);
}

TEST(report, suppresses_below_the_minimum_group_size_and_shows_at_it) {
  survey_builder b;
  for (int i = 0; i < 4; ++i) b.add("s" + std::to_string(i), group::sales, week10, 0, 4);
  auto r = build_report(b.get(), as_of(week10, 5));
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.value, 0.0);
  EXPECT_EQ(r.score.respondents, 4);  // the head count stays, the score does not
  EXPECT_FALSE(r.current_stage());
  EXPECT_FALSE(r.group_score(group::sales).shown);
  EXPECT_EQ(r.group_score(group::sales).respondents, 0);
  EXPECT_FALSE(r.dimension_figures(dimension::shared_kpis_funnel).mean.shown);

  b.add("s4", group::sales, week10, 0, 4);
  r = build_report(b.get(), as_of(week10, 5));
  EXPECT_TRUE(r.score.shown);
  EXPECT_TRUE(r.group_score(group::sales).shown);
  EXPECT_EQ(r.group_score(group::sales).respondents, 5);
  EXPECT_DOUBLE_EQ(r.score.value, 80.0);
}

TEST(report, groups_dimensions_and_perception_gaps) {
  survey_builder b;
  for (int i = 0; i < 12; ++i) {
    const auto s = "s" + std::to_string(i);
    const auto m = "m" + std::to_string(i);
    b.add(s, group::sales, week10, 4, 4).add(s, group::sales, week10, 5, 4);        // feedback loops
    b.add(m, group::marketing, week10, 4, 2).add(m, group::marketing, week10, 5, 3);
    b.add(s, group::sales, week10, 6, 3).add(m, group::marketing, week10, 6, 3);    // communication
  }
  const auto r = build_report(b.get(), as_of(week10));
  const auto& feedback = r.dimension_figures(dimension::feedback_loops);
  EXPECT_DOUBLE_EQ(feedback.sales.value, 4.0);
  EXPECT_DOUBLE_EQ(feedback.marketing.value, 2.5);
  ASSERT_TRUE(feedback.gap);
  EXPECT_DOUBLE_EQ(*feedback.gap, 1.5);
  EXPECT_TRUE(feedback.perception_gap);
  EXPECT_EQ(feedback.verdict, gap_verdict::gap);
  EXPECT_GT(feedback.gap_ci_low, 0.0);
  EXPECT_LT(feedback.gap_ci_low, 1.5);
  EXPECT_GT(feedback.gap_ci_high, 1.5);
  EXPECT_EQ(feedback.sales.respondents, 12);
  EXPECT_DOUBLE_EQ(feedback.mean.value, 3.25);
  const auto& communication = r.dimension_figures(dimension::communication);
  EXPECT_DOUBLE_EQ(*communication.gap, 0.0);
  EXPECT_FALSE(communication.perception_gap);
  EXPECT_EQ(communication.verdict, gap_verdict::no_clear_gap);
  EXPECT_EQ(r.dimension_figures(dimension::structure_roles).verdict, gap_verdict::too_few_to_tell);
  EXPECT_EQ(r.largest_gap(), dimension::feedback_loops);
  EXPECT_EQ(r.weakest_dimension(), dimension::communication);  // 3.0 < 3.25
  EXPECT_FALSE(r.dimension_figures(dimension::structure_roles).mean.shown);
  EXPECT_DOUBLE_EQ(r.group_score(group::sales).value, 20.0 * (4 + 4 + 3) / 3.0);
  EXPECT_FALSE(r.group_score(group::leadership).shown);
}

// Sales rates feedback loops (4, 3) and Marketing (3, 3): half a point apart, everyone alike.
survey half_point_apart(int per_side) {
  survey_builder b;
  for (int i = 0; i < per_side; ++i) {
    b.add("s" + std::to_string(i), group::sales, week10, 4, 4).add("s" + std::to_string(i), group::sales, week10, 5, 3);
    b.add("m" + std::to_string(i), group::marketing, week10, 4, 3).add("m" + std::to_string(i), group::marketing, week10, 5, 3);
  }
  return b.get();
}

TEST(report, gap_of_exactly_half_a_point_counts_when_it_is_clear) {
  const auto r = build_report(half_point_apart(40), as_of(week10));
  EXPECT_TRUE(r.dimension_figures(dimension::feedback_loops).perception_gap);
}

TEST(report, half_a_point_between_five_and_five_is_within_the_noise) {
  // The standard error never assumes people agree more than min_person_sd, so five identical
  // answers a side cannot prove a half-point gap across seven dimensions.
  const auto r = build_report(half_point_apart(5), as_of(week10, 5));
  const auto& feedback = r.dimension_figures(dimension::feedback_loops);
  ASSERT_TRUE(feedback.gap);
  EXPECT_DOUBLE_EQ(*feedback.gap, 0.5);
  EXPECT_FALSE(feedback.perception_gap);
  EXPECT_EQ(feedback.verdict, gap_verdict::no_clear_gap);
  EXPECT_LT(feedback.gap_ci_low, 0.0);
}

TEST(report, identical_answers_never_give_a_zero_width_interval) {
  survey_builder b;
  for (int p = 0; p < 5; ++p) {
    for (int k = 0; k < 20; ++k) b.add("p" + std::to_string(p), group::sales, week10, k, 5);
  }
  const auto r = build_report(b.get(), as_of(week10, 5));
  EXPECT_DOUBLE_EQ(r.score.value, 100.0);
  EXPECT_DOUBLE_EQ(r.score.ci_high, 100.0);
  EXPECT_LT(r.score.ci_low, 95.0);  // 100 − t(4) · 20 · 0.35 / √5 ≈ 91.3
  EXPECT_LT(r.dimensions[0].mean.ci_low, 5.0);
}

TEST(report, trend_has_a_point_per_week_and_calls_only_real_changes) {
  survey_builder b;
  // 40 people; weeks 1–8 answer around 3, weeks 9–12 everyone answers 5.
  const auto start = week10 - 11;
  for (int w = 0; w < 12; ++w) {
    for (int p = 0; p < 40; ++p) {
      const int value = w < 8 ? 2 + (p + w) % 3 : 5;
      b.add("p" + std::to_string(p), p % 2 ? group::sales : group::marketing, start + w, w % 4, value);
    }
  }
  const auto r = build_report(b.get(), as_of(week10, 5));
  ASSERT_EQ(r.trend.size(), 12U);
  EXPECT_EQ(r.trend.front().week, start);
  EXPECT_EQ(r.trend.back().week, week10);
  EXPECT_EQ(r.trend.front().change, trend_change::none);
  // Weeks 2–4 add a statement each: scores over different statements are not compared.
  for (int w = 1; w < 4; ++w) EXPECT_EQ(r.trend[w].change, trend_change::none) << w;
  for (int w = 4; w < 8; ++w) EXPECT_EQ(r.trend[w].change, trend_change::steady) << w;
  EXPECT_EQ(r.trend[8].change, trend_change::up);
  EXPECT_GT(r.trend[8].delta, 0.0);
  EXPECT_DOUBLE_EQ(r.trend.back().score.value, r.score.value);
}

TEST(report, a_small_wobble_in_a_small_group_is_steady) {
  survey_builder b;
  for (int p = 0; p < 5; ++p) {
    b.add("p" + std::to_string(p), group::other, week10 - 1, 0, 2 + p % 3);
    b.add("p" + std::to_string(p), group::other, week10, 0, p == 0 ? 4 : 2 + p % 3);  // one person +2
  }
  scoring_options o = as_of(week10, 5);
  o.window_weeks = 1;
  const auto r = build_report(b.get(), o);
  ASSERT_EQ(r.trend.size(), 2U);
  EXPECT_GT(r.trend[1].delta, 0.0);
  EXPECT_EQ(r.trend[1].change, trend_change::steady);
}

TEST(report, trend_weeks_limits_the_trend_and_suppressed_points_have_no_change) {
  survey_builder b;
  for (int p = 0; p < 3; ++p) b.add("p" + std::to_string(p), group::other, week10 - 2, 0, 3);
  for (int p = 0; p < 6; ++p) b.add("q" + std::to_string(p), group::other, week10, 0, 4);
  scoring_options o = as_of(week10, 5);
  o.window_weeks = 1;
  o.trend_weeks = 4;
  const auto r = build_report(b.get(), o);
  ASSERT_EQ(r.trend.size(), 4U);
  EXPECT_FALSE(r.trend[1].score.shown);
  EXPECT_EQ(r.trend[1].score.respondents, 3);
  EXPECT_EQ(r.trend[3].change, trend_change::none);  // previous week suppressed
  EXPECT_TRUE(r.trend[3].score.shown);
}

TEST(report, empty_survey_is_all_suppressed) {
  const auto r = build_report(survey{}, as_of(week10));
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.trend.size(), 1U);
  EXPECT_FALSE(r.weakest_dimension());
}

TEST(report, refuses_options_below_the_anonymity_floor) {
  EXPECT_THROW(build_report(survey{}, as_of(week10, 2)), std::invalid_argument);
  scoring_options o = as_of(week10);
  o.window_weeks = 0;
  EXPECT_THROW(build_report(survey{}, o), std::invalid_argument);
}

// Instrument 2: "can't judge" and versioned wordings.

std::size_t first_statement(std::uint8_t since) {
  for (std::size_t k = 0; k < statement_count; ++k) {
    if (statements()[k].wording_since == since) return k;
  }
  return statement_count;
}

TEST(report, dont_know_is_counted_never_scored_and_replaces_an_earlier_rating) {
  survey_builder b;
  const int k = 1;  // q02
  for (const auto* who : {"a", "b", "c"}) b.add(who, group::sales, week10, k, 4);
  b.add("d", group::sales, week10, k, 2);
  b.add("d", group::sales, week10 + 1, k, dont_know);  // d's latest answer: can't judge
  b.add("e", group::sales, week10 + 1, k, dont_know);  // e only ever answered "can't judge"
  const auto r = build_report(b.get(), as_of(week10 + 1));
  EXPECT_DOUBLE_EQ(r.score.value, 80.0) << "only the three 4s are scored";
  EXPECT_EQ(r.score.respondents, 3) << "people without a rating are no respondents of the score";
  const auto& count = r.dont_knows[static_cast<std::size_t>(group::sales)][k];
  EXPECT_EQ(count.answered, 5);
  EXPECT_EQ(count.dont_know, 2);
}

TEST(report, a_frequent_dont_know_is_a_finding_only_where_the_side_is_shown) {
  survey_builder b;
  const int k = 1;
  // Sales: 3 rate, 2 can't judge (40%); Marketing: 4 rate, 1 can't judge (20%).
  for (const auto* who : {"s1", "s2", "s3"}) b.add(who, group::sales, week10, k, 3);
  for (const auto* who : {"s4", "s5"}) b.add(who, group::sales, week10, k, dont_know);
  for (const auto* who : {"m1", "m2", "m3", "m4"}) b.add(who, group::marketing, week10, k, 4);
  b.add("m5", group::marketing, week10, k, dont_know);
  auto r = build_report(b.get(), as_of(week10, 3));
  ASSERT_EQ(r.dont_know_findings.size(), 1U);
  EXPECT_EQ(r.dont_know_findings[0].side, group::sales);
  EXPECT_EQ(r.dont_know_findings[0].item, k);
  EXPECT_DOUBLE_EQ(r.dont_know_findings[0].share, 0.4);
  // With five needed per figure, Sales' three ratings show nothing, so neither does the finding.
  r = build_report(b.get(), as_of(week10, 5));
  EXPECT_TRUE(r.dont_know_findings.empty());
}

TEST(report, answers_to_an_earlier_wording_are_never_scored_with_the_new_one) {
  const auto changed = first_statement(2);
  const auto unchanged = first_statement(1);
  ASSERT_LT(changed, statement_count);
  ASSERT_LT(unchanged, statement_count);
  survey_builder b;
  for (const auto* who : {"a", "b", "c"}) {
    b.add(who, group::sales, week10, static_cast<int>(changed), 1, first_instrument_version);   // old wording
    b.add(who, group::sales, week10, static_cast<int>(unchanged), 3, first_instrument_version);  // same wording
  }
  auto r = build_report(b.get(), as_of(week10));
  EXPECT_DOUBLE_EQ(r.score.value, 60.0) << "the changed statement's old answers are left out";
  // Their next answers, to the new wording, count from then on.
  for (const auto* who : {"a", "b", "c"}) b.add(who, group::sales, week10 + 1, static_cast<int>(changed), 5);
  r = build_report(b.get(), as_of(week10 + 1));
  EXPECT_DOUBLE_EQ(r.score.value, 80.0);
  EXPECT_THROW(build_report(survey_builder().add("a", group::sales, week10, 0, 3, 9).get(), as_of(week10)),
               std::invalid_argument);
}

TEST(report, no_change_is_called_across_a_change_of_the_statements_scored) {
  // Nobody changes their view, but the instrument changes a statement: last week's score (over
  // the unchanged statement only, today) and this week's differ by composition, not opinion.
  const auto changed = first_statement(2);
  const auto unchanged = first_statement(1);
  survey_builder b;
  for (int p = 0; p < 8; ++p) {
    const auto who = "p" + std::to_string(p);
    b.add(who, group::sales, week10 - 1, static_cast<int>(unchanged), 2, first_instrument_version);
    b.add(who, group::sales, week10 - 1, static_cast<int>(changed), 5, first_instrument_version);
    b.add(who, group::sales, week10, static_cast<int>(changed), 5);  // the new wording
  }
  scoring_options o = as_of(week10, 5);
  o.window_weeks = 2;
  const auto r = build_report(b.get(), o);
  ASSERT_EQ(r.trend.size(), 2U);
  EXPECT_DOUBLE_EQ(r.trend[0].score.value, 40.0);
  EXPECT_DOUBLE_EQ(r.trend[1].score.value, 70.0);
  EXPECT_EQ(r.trend[1].change, trend_change::none);
  EXPECT_EQ(r.overall_change.change, trend_change::none);
}

TEST(report, a_csv_of_answers_to_earlier_wordings_only_has_no_trend_from_1970) {
  const auto changed = first_statement(2);
  survey_builder b;
  for (int p = 0; p < 5; ++p) b.add("p" + std::to_string(p), group::sales, week10, static_cast<int>(changed), 3, 1);
  const auto r = build_report(b.get(), as_of(week10, 5));
  EXPECT_LE(r.trend.size(), 1U);
  EXPECT_FALSE(r.score.shown);
}

}  // namespace
}  // namespace smrel::scoring
