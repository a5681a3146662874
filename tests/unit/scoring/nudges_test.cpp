#include "scoring/nudges.hpp"

#include <gtest/gtest.h>

#include <set>

namespace smrel::scoring {
namespace {

// A report shaped by hand: the selection rules only read shown figures.
report make_report(double score, int sales = 10, int marketing = 10) {
  report r;
  r.score = {true, score, score - 3, score + 3, sales + marketing};
  r.groups[static_cast<std::size_t>(group::sales)] = {true, score, 0, 0, sales};
  r.groups[static_cast<std::size_t>(group::marketing)] = {true, score, 0, 0, marketing};
  for (std::size_t d = 0; d < dimension_count; ++d) {
    auto& dim = r.dimensions[d];
    dim.dim = static_cast<dimension>(d);
    dim.mean = {true, 3.0, 2.8, 3.2, sales + marketing};
    dim.sales = {true, 3.0, 2.8, 3.2, sales};
    dim.marketing = {true, 3.0, 2.8, 3.2, marketing};
    dim.gap = 0.0;
  }
  return r;
}

void set_mean(report& r, dimension d, double mean) { r.dimensions[static_cast<std::size_t>(d)].mean.value = mean; }

void set_gap(report& r, dimension d, double sales, double marketing) {
  auto& dim = r.dimensions[static_cast<std::size_t>(d)];
  dim.sales.value = sales;
  dim.marketing.value = marketing;
  dim.gap = sales - marketing;
  dim.perception_gap = true;
}

TEST(nudges, playbook_is_complete_and_concrete) {
  ASSERT_GE(playbook().size(), 12U);
  std::set<std::string_view> ids;
  std::set<stage> stages;
  int holds = 0;
  for (const auto& n : playbook()) {
    EXPECT_TRUE(ids.insert(n.id).second) << n.id;
    for (const auto lang : {locale::en, locale::nl}) {
      EXPECT_FALSE(n.title.in(lang).empty()) << n.id;
      EXPECT_GT(n.action.in(lang).size(), 40U) << n.id;
      EXPECT_FALSE(n.follow_up.in(lang).empty()) << n.id;
    }
    stages.insert(n.at);
    holds += n.kind == nudge_kind::hold;
    EXPECT_EQ(find_nudge(n.id), &n);
  }
  EXPECT_EQ(stages.size(), 4U);
  EXPECT_GE(holds, 2);
  int kpi_or_loop = 0;
  for (const auto& n : playbook()) kpi_or_loop += n.kind == nudge_kind::shared_kpi || n.kind == nudge_kind::feedback_loop;
  EXPECT_GE(kpi_or_loop, 8);
}

TEST(nudges, weakest_dimension_picks_a_move_for_the_current_stage) {
  auto r = make_report(50.0);  // Defined
  set_mean(r, dimension::feedback_loops, 2.1);
  const auto chosen = choose_nudges(r);
  ASSERT_FALSE(chosen.empty());
  EXPECT_EQ(chosen[0].what->id, "field_feedback");
  EXPECT_EQ(chosen[0].trigger, nudge_trigger::weakest_dimension);
  EXPECT_EQ(chosen[0].why(locale::en), "Feedback loops is your weakest dimension: 2.1 of 5 (n=20).");
  EXPECT_EQ(chosen[0].why(locale::nl), "Feedbackloops is jullie zwakste punt: 2,1 van 5 (n=20).")
      << "Dutch writes a decimal comma";
  for (const auto& c : chosen) EXPECT_EQ(c.what->at, stage::defined);
}

TEST(nudges, largest_gap_comes_first) {
  auto r = make_report(65.0);  // Aligned
  set_mean(r, dimension::joint_planning, 2.0);
  set_gap(r, dimension::shared_kpis_funnel, 3.9, 2.7);
  set_gap(r, dimension::communication, 3.4, 2.8);
  const auto chosen = choose_nudges(r);
  ASSERT_GE(chosen.size(), 2U);
  EXPECT_EQ(chosen[0].trigger, nudge_trigger::perception_gap);
  EXPECT_EQ(chosen[0].dim, dimension::shared_kpis_funnel);
  EXPECT_EQ(chosen[0].what->id, "lead_sla");
  EXPECT_EQ(chosen[0].why(locale::en), "Sales rates Shared KPIs & funnel 3.9, Marketing 2.7 (a gap of 1.2 on 1–5, n=20).");
  EXPECT_EQ(chosen[1].what->id, "top_account_playbook");
}

TEST(nudges, gap_without_a_stage_move_for_that_dimension_gets_the_generic_gap_nudge) {
  auto r = make_report(50.0);  // Defined has no move aimed at shared KPIs
  set_gap(r, dimension::shared_kpis_funnel, 2.0, 3.5);
  const auto chosen = choose_nudges(r);
  ASSERT_FALSE(chosen.empty());
  EXPECT_EQ(chosen[0].what->id, "discuss_the_gap");
}

TEST(nudges, aligned_says_aligned_is_often_enough) {
  const auto chosen = choose_nudges(make_report(70.0));
  const auto hold = std::find_if(chosen.begin(), chosen.end(), [](const auto& c) { return c.what->kind == nudge_kind::hold; });
  ASSERT_NE(hold, chosen.end());
  EXPECT_EQ(hold->what->id, "aligned_is_enough");
}

TEST(nudges, small_team_that_gets_on_is_told_to_keep_it_light) {
  auto r = make_report(45.0, 4, 5);
  set_mean(r, dimension::conflict_trust, 4.2);
  set_mean(r, dimension::communication, 2.5);
  const auto chosen = choose_nudges(r);
  ASSERT_EQ(chosen.size(), 2U);
  EXPECT_EQ(chosen[0].what->id, "keep_it_light");
  EXPECT_EQ(chosen[0].why(locale::en), "Only 9 people in Sales and Marketing, and Conflict & trust is 4.2 of 5.");
  EXPECT_EQ(chosen[1].what->id, "joint_monthly_meeting");
}

TEST(nudges, a_big_company_with_one_side_held_back_is_not_a_small_team) {
  auto r = make_report(45.0, 4, 30);
  r.groups[static_cast<std::size_t>(group::marketing)] = estimate{};  // withheld: it counts no one
  set_mean(r, dimension::conflict_trust, 4.2);
  for (const auto& n : choose_nudges(r)) EXPECT_NE(n.what->id, "keep_it_light");
}

TEST(nudges, recently_issued_nudges_give_way_to_fresh_ones) {
  auto r = make_report(30.0);  // Undefined
  const auto first = choose_nudges(r);
  ASSERT_EQ(first.size(), 2U);
  const std::vector<std::string> recent{std::string(first[0].what->id), std::string(first[1].what->id)};
  const auto second = choose_nudges(r, {.recently_issued = recent});
  ASSERT_EQ(second.size(), 2U);
  for (const auto& c : second) EXPECT_TRUE(std::find(recent.begin(), recent.end(), c.what->id) == recent.end());
}

TEST(nudges, nothing_is_suggested_from_a_suppressed_score) {
  report r;
  EXPECT_TRUE(choose_nudges(r).empty());
}

TEST(nudges, stage_move_why_names_the_next_stage) {
  const auto chosen = choose_nudges(make_report(30.0));
  ASSERT_FALSE(chosen.empty());
  EXPECT_EQ(chosen.back().why(locale::en), "You are Undefined (score 30, n=20); this is the next step toward Defined.");
}

}  // namespace
}  // namespace smrel::scoring
