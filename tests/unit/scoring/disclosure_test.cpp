// Disclosure control, attacked the way a reader with a calculator would: combine the published
// figures and see whether a small group falls out.
#include "scoring/disclosure.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "scoring/nudges.hpp"

namespace smrel::scoring {
namespace {

const iso_week week10 = *iso_week::parse("2026-W10");

struct person {
  group in;
  int base;  // 1–5: answers are base, varied a little per statement
};

// Everyone answers all twenty statements in week 10, so score and dimension figures cover the
// same people.
survey company(const std::vector<person>& people) {
  survey s;
  for (std::size_t p = 0; p < people.size(); ++p) {
    s.respondent_groups.push_back(people[p].in);
    for (std::uint8_t k = 0; k < statement_count; ++k) {
      const int value = std::clamp(people[p].base + static_cast<int>((p + k) % 3) - 1, 1, 5);
      s.answers.push_back({week10, static_cast<std::uint32_t>(p), k, static_cast<std::uint8_t>(value)});
    }
  }
  return s;
}

std::vector<person> people_of(int sales, int marketing, int leadership, int other) {
  std::vector<person> out;
  for (int i = 0; i < sales; ++i) out.push_back({group::sales, 4});
  for (int i = 0; i < marketing; ++i) out.push_back({group::marketing, 2});
  for (int i = 0; i < leadership; ++i) out.push_back({group::leadership, 5});
  for (int i = 0; i < other; ++i) out.push_back({group::other, 1});
  return out;
}

scoring_options options(int min_group = 5) {
  scoring_options o;
  o.as_of = week10;
  o.min_group_size = min_group;
  o.trend_weeks = 1;
  return o;
}

// The people behind figures that are not shown, on the score and on every dimension: what
// "overall minus the shown groups" is about. Never 1 … k − 1 in a published report.
void expect_no_small_remainder(const report& r) {
  const int k = r.min_group_size;
  int left_out = r.cells.all;
  for (std::size_t g = 0; g < group_count; ++g) left_out -= r.groups[g].shown ? r.cells.groups[g] : 0;
  EXPECT_FALSE(left_out > 0 && left_out < k) << "score: " << left_out << " people left out";
  for (std::size_t d = 0; d < dimension_count; ++d) {
    if (!r.dimensions[d].mean.shown) continue;
    int rest = r.cells.all_by_dimension[d];
    if (r.dimensions[d].sales.shown) rest -= r.cells.by_group_dimension[0][d];
    if (r.dimensions[d].marketing.shown) rest -= r.cells.by_group_dimension[1][d];
    EXPECT_FALSE(rest > 0 && rest < k) << "dimension " << d << ": " << rest << " people left out";
  }
}

TEST(disclosure, one_leader_cannot_be_worked_out_from_the_company_and_both_sides) {
  // The attack: 11 × overall − 5 × Sales − 5 × Marketing is the leader's score.
  auto r = build_published_report(company(people_of(5, 5, 1, 0)), options());
  ASSERT_TRUE(r.score.shown);  // the headline stays
  EXPECT_FALSE(r.group_score(group::leadership).shown);
  EXPECT_EQ(r.group_score(group::leadership).why, withheld::too_few);
  const bool attack_possible = r.group_score(group::sales).shown && r.group_score(group::marketing).shown;
  EXPECT_FALSE(attack_possible);
  const auto& withheld_side = r.group_score(group::sales).shown ? r.group_score(group::marketing) : r.group_score(group::sales);
  EXPECT_EQ(withheld_side.why, withheld::combination);
  // Per dimension too: the company mean minus both sides' means would be the leader.
  for (const auto& d : r.dimensions) EXPECT_FALSE(d.mean.shown && d.sales.shown && d.marketing.shown);
  expect_no_small_remainder(r);
}

TEST(disclosure, a_suppressed_group_of_four_cannot_be_recovered_from_the_rest) {
  auto r = build_published_report(company(people_of(6, 7, 4, 0)), options());
  ASSERT_TRUE(r.score.shown);
  EXPECT_FALSE(r.group_score(group::leadership).shown);
  // Marketing is kept (the larger side); Sales goes, so overall − Marketing is 10 people.
  EXPECT_FALSE(r.group_score(group::sales).shown);
  EXPECT_EQ(r.group_score(group::sales).why, withheld::combination);
  EXPECT_TRUE(r.group_score(group::marketing).shown);
  expect_no_small_remainder(r);
}

TEST(disclosure, groups_that_add_up_exactly_are_all_shown) {
  auto r = build_published_report(company(people_of(6, 5, 5, 0)), options());
  EXPECT_TRUE(r.group_score(group::sales).shown);
  EXPECT_TRUE(r.group_score(group::marketing).shown);
  EXPECT_TRUE(r.group_score(group::leadership).shown);
  EXPECT_TRUE(r.dimensions[0].sales.shown);
  EXPECT_TRUE(r.dimensions[0].marketing.shown);
  expect_no_small_remainder(r);
}

TEST(disclosure, a_side_missing_on_one_dimension_shows_none_of_its_dimension_means) {
  // Sales' five people answer everything except one misses conflict & trust: Sales' mean there
  // is about four people; shown with the other six and Sales' score it could be worked out.
  auto data = company(people_of(5, 5, 0, 0));
  std::erase_if(data.answers, [](const answer& a) {
    return a.respondent == 0 && statements()[a.item].dim == dimension::conflict_trust;
  });
  auto r = build_published_report(data, options());
  EXPECT_TRUE(r.group_score(group::sales).shown);
  for (const auto& d : r.dimensions) {
    EXPECT_FALSE(d.sales.shown) << dimension_id(d.dim);
    EXPECT_EQ(d.verdict, gap_verdict::too_few_to_tell);
  }
  EXPECT_EQ(r.dimensions[1].sales.why, withheld::combination);
  expect_no_small_remainder(r);
}

TEST(disclosure, a_trend_point_that_differs_by_one_newcomer_is_held_back) {
  // Week 10: ten people. Week 11: one more person answers, nobody else does. The two trend points
  // would differ by exactly the newcomer.
  auto data = company(people_of(5, 5, 0, 0));
  data.respondent_groups.push_back(group::sales);
  for (std::uint8_t k = 0; k < statement_count; ++k) data.answers.push_back({week10 + 1, 10, k, 1});
  auto o = options();
  o.as_of = week10 + 1;
  o.trend_weeks = 2;
  const auto r = build_published_report(data, o);
  ASSERT_EQ(r.trend.size(), 2U);
  EXPECT_TRUE(r.trend[0].score.shown);
  EXPECT_FALSE(r.trend[1].score.shown);
  EXPECT_EQ(r.trend[1].score.why, withheld::too_few_changed);
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.respondents, 11);
}

TEST(disclosure, figures_are_rounded_to_what_chat_shows) {
  auto r = build_published_report(company(people_of(7, 6, 0, 0)), options());
  ASSERT_TRUE(r.score.shown);
  EXPECT_DOUBLE_EQ(r.score.value, std::round(r.score.value));
  EXPECT_DOUBLE_EQ(r.score.ci_low, std::round(r.score.ci_low));
  EXPECT_DOUBLE_EQ(r.score.ci_high, std::round(r.score.ci_high));
  EXPECT_EQ(r.score.standard_error, 0.0);
  for (const auto& d : r.dimensions) {
    ASSERT_TRUE(d.mean.shown);
    EXPECT_NEAR(d.mean.value * 10.0, std::round(d.mean.value * 10.0), 1e-9);
    ASSERT_TRUE(d.gap);
    EXPECT_NEAR(*d.gap, d.sales.value - d.marketing.value, 1e-9);
  }
}

// The people behind a release: person p is token p + 1; their answer tokens are their base.
std::vector<person_token> tokens(const std::vector<person>& people) {
  std::vector<person_token> out;
  for (std::size_t p = 0; p < people.size(); ++p) {
    person_token t{p + 1, people[p].in, {}};
    t.dimensions.fill(static_cast<std::uint64_t>(people[p].base) + 100);
    out.push_back(t);
  }
  return out;
}

// A report of `people` as the bot publishes it after the `earlier` release: combinations, then
// changes against it.
report released_after(const std::vector<person>& people, const std::vector<person_token>& now,
                      const release_shape& earlier) {
  auto r = build_report(company(people), options());
  withhold_combinations(r);
  const std::array shapes{earlier};
  withhold_small_changes(r, now, shapes);
  return r;
}

TEST(disclosure, one_person_joining_is_not_a_new_release) {
  const auto before = people_of(5, 5, 0, 0);
  auto previous = build_published_report(company(before), options());
  const auto earlier = shape_of(previous, tokens(before));

  auto after = before;
  after.push_back({group::sales, 5});  // the newcomer; nobody else changed
  auto r = released_after(after, tokens(after), earlier);
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.why, withheld::too_few_changed);
  EXPECT_EQ(r.score.respondents, 11);  // the head count stays
  for (const auto& g : r.groups) EXPECT_FALSE(g.shown);
  for (const auto& d : r.dimensions) EXPECT_FALSE(d.mean.shown);
}

TEST(disclosure, one_person_forgotten_is_not_a_new_release) {
  const auto before = people_of(6, 5, 0, 0);
  const auto earlier = shape_of(build_published_report(company(before), options()), tokens(before));
  std::vector<person> after(before.begin() + 1, before.end());
  auto after_tokens = tokens(before);
  after_tokens.erase(after_tokens.begin());
  auto r = released_after(after, after_tokens, earlier);
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.why, withheld::too_few_changed);
}

TEST(disclosure, enough_people_joining_is_a_release_but_a_side_with_one_newcomer_is_held_back) {
  const auto before = people_of(6, 6, 0, 0);
  const auto earlier = shape_of(build_published_report(company(before), options()), tokens(before));
  auto after = before;
  for (int i = 0; i < 6; ++i) after.push_back({group::marketing, 3});  // six join Marketing
  after.push_back({group::sales, 3});                                  // and one joins Sales
  auto r = released_after(after, tokens(after), earlier);
  ASSERT_TRUE(r.score.shown);  // seven people joined
  EXPECT_FALSE(r.group_score(group::sales).shown);
  EXPECT_EQ(r.group_score(group::sales).why, withheld::too_few_changed);
  // Marketing's change is six people, but the company's change minus Marketing's would be the
  // one salesperson: Marketing is held back as well.
  EXPECT_FALSE(r.group_score(group::marketing).shown);
}

TEST(disclosure, three_people_answering_differently_is_not_a_new_release) {
  const auto before = people_of(6, 6, 0, 0);
  const auto earlier = shape_of(build_published_report(company(before), options()), tokens(before));
  auto after = before;
  for (std::size_t p = 0; p < 3; ++p) after[p].base = 3;  // three salespeople changed their minds
  auto r = released_after(after, tokens(after), earlier);
  EXPECT_FALSE(r.score.shown);
  EXPECT_EQ(r.score.why, withheld::too_few_changed);

  for (auto& p : after) p.base = 3;  // everybody did: a new week like any other
  auto again = released_after(after, tokens(after), earlier);
  EXPECT_TRUE(again.score.shown);
  EXPECT_TRUE(again.group_score(group::sales).shown);
  EXPECT_TRUE(again.dimensions[4].sales.shown);
}

TEST(disclosure, one_person_starting_on_a_dimension_holds_back_that_dimension) {
  const auto people = people_of(6, 6, 0, 0);
  auto before_tokens = tokens(people);
  before_tokens[0].dimensions[0] = 0;  // one salesperson had not answered on conflict & trust yet
  for (std::size_t p = 6; p < 12; ++p) before_tokens[p].dimensions[3] = 1;  // Marketing answered anew on KPIs
  const auto earlier = shape_of(build_published_report(company(people), options()), before_tokens);
  auto r = released_after(people, tokens(people), earlier);
  EXPECT_TRUE(r.score.shown);  // seven people changed
  EXPECT_FALSE(r.dimensions[0].mean.shown);  // one on conflict & trust; dimension means: all or none
  EXPECT_EQ(r.dimensions[0].mean.why, withheld::too_few_changed);
  EXPECT_FALSE(r.dimensions[3].mean.shown);
}

TEST(disclosure, groups_known_from_different_earlier_releases_add_up) {
  // Marketing was shown in one earlier week, Leadership in another, nobody changed since: with
  // this week's company and Sales, the two-person Other group would fall out.
  const auto people = people_of(6, 6, 5, 2);
  const auto everyone = tokens(people);
  release_shape marketing_week;
  marketing_week.score = true;
  marketing_week.groups[1] = true;
  marketing_week.people = everyone;
  release_shape leadership_week = marketing_week;
  leadership_week.groups = {false, false, true, false};
  auto r = build_report(company(people), options());
  withhold_combinations(r);
  ASSERT_TRUE(r.group_score(group::sales).shown);
  ASSERT_FALSE(r.group_score(group::leadership).shown);  // Other's two would fall out of it here
  r.groups[1] = estimate{};  // and Marketing is not shown this week either (held back, say)
  const std::array shapes{marketing_week, leadership_week};
  withhold_small_changes(r, everyone, shapes);
  EXPECT_TRUE(r.score.shown);
  EXPECT_FALSE(r.group_score(group::sales).shown);
  EXPECT_EQ(r.group_score(group::sales).why, withheld::combination);
}

TEST(disclosure, nobody_changing_republishes_the_same_figures) {
  const auto people = people_of(6, 6, 0, 0);
  const auto earlier = shape_of(build_published_report(company(people), options()), tokens(people));
  auto r = released_after(people, tokens(people), earlier);
  EXPECT_TRUE(r.score.shown);
  EXPECT_TRUE(r.group_score(group::sales).shown);
  EXPECT_TRUE(r.dimensions[2].marketing.shown);
}

TEST(disclosure, a_move_between_teams_counts_as_a_change_in_both) {
  const auto before = people_of(6, 6, 0, 0);
  const auto earlier = shape_of(build_published_report(company(before), options()), tokens(before));
  auto after = before;
  after[0].in = group::marketing;  // one salesperson joins Marketing
  auto after_tokens = tokens(before);
  after_tokens[0].in = group::marketing;
  auto r = released_after(after, after_tokens, earlier);
  EXPECT_FALSE(r.score.shown);  // one person changed: the move itself would be readable
}

estimate score_at(double value, double low, double high) {
  estimate e;
  e.shown = true;
  e.value = value;
  e.ci_low = low;
  e.ci_high = high;
  e.respondents = 12;
  return e;
}

TEST(stage_label, reads_a_border_when_the_interval_spans_it) {
  EXPECT_TRUE(read_stage(score_at(61, 55, 67)).on_border());
  EXPECT_EQ(read_stage(score_at(61, 55, 67)).lowest, stage::defined);
  EXPECT_EQ(read_stage(score_at(61, 55, 67)).highest, stage::aligned);
  EXPECT_FALSE(read_stage(score_at(70, 62, 78)).on_border());
}

TEST(stage_label, moves_only_when_the_interval_leaves_the_shown_stage) {
  auto label = stable_stage(std::nullopt, score_at(59, 53, 65));
  EXPECT_EQ(label, stage::defined);
  label = stable_stage(label, score_at(61, 55, 67));  // still possibly Defined
  EXPECT_EQ(label, stage::defined);
  label = stable_stage(label, score_at(59.5, 54, 65));
  EXPECT_EQ(label, stage::defined);
  label = stable_stage(label, score_at(66, 61, 71));  // the whole interval is Aligned
  EXPECT_EQ(label, stage::aligned);
  label = stable_stage(label, score_at(58, 52, 64));  // could still be Aligned
  EXPECT_EQ(label, stage::aligned);
  label = stable_stage(label, score_at(50, 44, 56));
  EXPECT_EQ(label, stage::defined);
}

TEST(stage_label, no_aligned_is_enough_on_a_coin_flip) {
  report r;
  r.min_group_size = 5;
  r.score = score_at(61, 55, 67);
  for (auto& d : r.dimensions) {
    d.mean = score_at(3.2, 2.8, 3.6);
    d.mean.respondents = 12;
  }
  const auto chosen = choose_nudges(r);
  ASSERT_FALSE(chosen.empty());
  for (const auto& n : chosen) {
    EXPECT_NE(n.what->id, "aligned_is_enough");
    EXPECT_NE(n.what->at, stage::aligned) << n.what->id;  // advice from the side the data can tell
  }
  r.score = score_at(70, 64, 76);
  bool told = false;
  for (const auto& n : choose_nudges(r)) told = told || n.what->id == "aligned_is_enough";
  EXPECT_TRUE(told);
}

// A "can't judge" finding goes with its side: withheld with it.
TEST(disclosure, a_dont_know_finding_is_withheld_with_its_side) {
  const auto company_of = [](bool with_leader) {
    survey data;
    const auto add = [&](group g, std::uint8_t value) {
      data.respondent_groups.push_back(g);
      data.answers.push_back({*iso_week::parse("2026-W10"), static_cast<std::uint32_t>(data.respondent_groups.size() - 1), 1, value});
    };
    for (int i = 0; i < 5; ++i) add(group::sales, 3);
    for (int i = 0; i < 3; ++i) add(group::sales, dont_know);  // 3 of 8: 38%
    for (int i = 0; i < 6; ++i) add(group::marketing, 4);
    if (with_leader) add(group::leadership, 1);
    return data;
  };
  scoring_options o;
  o.as_of = *iso_week::parse("2026-W10");
  auto r = build_published_report(company_of(false), o);
  ASSERT_EQ(r.dont_know_findings.size(), 1U);
  EXPECT_EQ(r.dont_know_findings[0].side, group::sales);
  EXPECT_DOUBLE_EQ(r.dont_know_findings[0].share, 0.4) << "published in tenths";
  // One leader beside them: Sales (the smaller side) is withheld, or the leader could be worked out.
  r = build_published_report(company_of(true), o);
  EXPECT_FALSE(r.group_score(group::sales).shown);
  EXPECT_TRUE(r.dont_know_findings.empty());
}

TEST(disclosure, all_of_a_side_not_judging_is_published_as_80_percent_or_more) {
  // Five salespeople rate one statement of a dimension and all five cannot judge another.
  std::size_t rated = 0;
  std::size_t unsure = 1;
  while (statements()[unsure].dim != statements()[rated].dim) ++unsure;
  survey data;
  const auto week = *iso_week::parse("2026-W10");
  for (std::uint32_t p = 0; p < 5; ++p) {
    data.respondent_groups.push_back(group::sales);
    data.answers.push_back({week, p, static_cast<std::uint8_t>(rated), 3});
    data.answers.push_back({week, p, static_cast<std::uint8_t>(unsure), dont_know});
  }
  scoring_options o;
  o.as_of = week;
  const auto r = build_published_report(data, o);
  ASSERT_EQ(r.dont_know_findings.size(), 1U);
  EXPECT_DOUBLE_EQ(r.dont_know_findings[0].share, 0.8) << "never all of them";
  EXPECT_TRUE(r.dont_know_findings[0].at_least);
  EXPECT_EQ(r.dont_know_findings[0].answered, 0) << "the count is not published";
}

TEST(disclosure, people_who_only_cannot_judge_do_not_hide_one_persons_change) {
  // Eight rate 3; a week later one of them rates 5 and four newcomers only answer "can't judge".
  survey data;
  const auto w9 = *iso_week::parse("2026-W09");
  for (std::uint32_t p = 0; p < 8; ++p) {
    data.respondent_groups.push_back(group::sales);
    data.answers.push_back({w9, p, 0, 3});
  }
  data.answers.push_back({w9 + 1, 0, 0, 5});
  for (std::uint32_t p = 8; p < 12; ++p) {
    data.respondent_groups.push_back(group::sales);
    data.answers.push_back({w9 + 1, p, 0, dont_know});
  }
  scoring_options o;
  o.as_of = w9 + 1;
  o.window_weeks = 2;
  const auto r = build_published_report(data, o);
  ASSERT_EQ(r.trend.size(), 2U);
  EXPECT_TRUE(r.trend[0].score.shown);
  EXPECT_FALSE(r.trend[1].score.shown) << "one person changed: the difference would be theirs";
  EXPECT_EQ(r.trend[1].score.why, withheld::too_few_changed);
}

}  // namespace
}  // namespace smrel::scoring
