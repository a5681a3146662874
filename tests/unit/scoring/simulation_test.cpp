// Statistical checks of the report against simulated companies whose true figures are known:
// how often it flags a gap that is not there, puts a company in the wrong stage, calls a change
// that did not happen, or misses the true score with its interval. Every run is seeded, so the
// measured rates are the same on every machine with the same standard library; each rate is
// printed (and recorded as a test property) so it can be quoted.
//
// SMREL_SIM_COMPANIES=N runs N companies per scenario instead of the defaults (tests/bench/
// simulate.sh). Under AddressSanitizer a short run checks only invariants, not rates.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "scoring/report.hpp"
#include "scoring/stage.hpp"
#include "scoring/statistics.hpp"
#include "tests/support/simulated_company.hpp"

namespace smrel::scoring {
namespace {

namespace sim = smrel::testing;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool smoke_only = true;  // Debug + ASan is ~30× slower: invariants only
#else
constexpr bool smoke_only = false;
#endif
constexpr int smoke_companies = 30;

constexpr int window_weeks = 8;
constexpr int min_group_size = 5;
constexpr int trend_weeks = 12;
constexpr int weekly_reports = 8;  // consecutive weekly reports in the stage-flip test

int companies(int by_default) {
  if (smoke_only) return smoke_companies;
  if (const char* text = std::getenv("SMREL_SIM_COMPANIES")) {
    const int n = std::atoi(text);
    if (n > 0) return n;
  }
  return by_default;
}

scoring_options options_as_of(iso_week week) {
  scoring_options o;
  o.as_of = week;
  o.window_weeks = window_weeks;
  o.min_group_size = min_group_size;
  o.trend_weeks = trend_weeks;
  return o;
}

// A measured proportion with a 95% Wilson interval, so quoted figures carry their own noise.
struct rate {
  int hits = 0;
  int trials = 0;

  void add(bool hit) {
    hits += hit ? 1 : 0;
    ++trials;
  }
  double value() const { return trials ? static_cast<double>(hits) / trials : 0.0; }
  std::pair<double, double> wilson() const {
    if (!trials) return {0.0, 1.0};
    constexpr double z = 1.959963984540054;
    const double n = trials;
    const double p = value();
    const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    return {centre - half, centre + half};
  }
};

void record(const std::string& name, const rate& r) {
  const auto [low, high] = r.wilson();
  char text[160];
  std::snprintf(text, sizeof text, "%d/%d = %.1f%% (95%% CI %.1f–%.1f%%)", r.hits, r.trials,
                100 * r.value(), 100 * low, 100 * high);
  std::cout << "[ measured ] " << name << ": " << text << '\n';
  ::testing::Test::RecordProperty(name, text);
}

void record(const std::string& name, double value, const char* unit = "") {
  char text[80];
  std::snprintf(text, sizeof text, "%.3f%s", value, unit);
  std::cout << "[ measured ] " << name << ": " << text << '\n';
  ::testing::Test::RecordProperty(name, text);
}

// What must hold for every report, whatever the data: checked in every scenario, and the only
// thing the sanitizer run checks.
void expect_invariants(const report& r) {
  ASSERT_EQ(r.trend.size(), static_cast<std::size_t>(trend_weeks));
  EXPECT_EQ(r.trend.back().week, r.as_of);
  EXPECT_EQ(r.trend.back().score.shown, r.score.shown);
  EXPECT_EQ(r.shown_stage.has_value(), r.score.shown);
  EXPECT_EQ(r.current_stage().has_value(), r.score.shown);
  if (r.score.shown) {
    EXPECT_DOUBLE_EQ(r.trend.back().score.value, r.score.value);
    EXPECT_GE(r.score.ci_low, lowest_score);
    EXPECT_LE(r.score.ci_high, highest_score);
    EXPECT_LE(r.score.ci_low, r.score.value);
    EXPECT_GE(r.score.ci_high, r.score.value);
    EXPECT_LT(r.score.ci_low, r.score.ci_high);
    EXPECT_GE(r.score.respondents, min_group_size);
    const auto reading = read_stage(r.score);
    EXPECT_EQ(reading.at, *r.current_stage());
    EXPECT_LE(reading.lowest, reading.at);
    EXPECT_LE(reading.at, reading.highest);
  }
  for (const auto& g : r.groups) {
    if (!g.shown) {
      EXPECT_EQ(g.value, 0.0);
      EXPECT_EQ(g.respondents, 0);
      continue;
    }
    EXPECT_GE(g.respondents, min_group_size);
    EXPECT_LE(g.ci_low, g.value);
    EXPECT_GE(g.ci_high, g.value);
  }
  for (const auto& d : r.dimensions) {
    const bool both = d.sales.shown && d.marketing.shown;
    EXPECT_EQ(d.gap.has_value(), both);
    EXPECT_EQ(d.verdict == gap_verdict::too_few_to_tell, !both);
    EXPECT_EQ(d.perception_gap, d.verdict == gap_verdict::gap);
    if (both) {
      EXPECT_NEAR(*d.gap, d.sales.value - d.marketing.value, 1e-9);
      EXPECT_LE(d.gap_ci_low, *d.gap);
      EXPECT_GE(d.gap_ci_high, *d.gap);
    }
    if (d.perception_gap) {
      EXPECT_GE(std::abs(*d.gap) + 1e-9, perception_gap_threshold);
      EXPECT_TRUE(d.gap_ci_low > 0.0 || d.gap_ci_high < 0.0) << "a gap clear of the noise excludes 0";
    }
  }
  for (const trend_point* p : {&r.trend.back(), &r.overall_change}) {
    if (p->change == trend_change::up) {
      EXPECT_GE(p->delta, min_meaningful_change);
    }
    if (p->change == trend_change::down) {
      EXPECT_LE(p->delta, -min_meaningful_change);
    }
  }
}

double uniform(std::mt19937_64& rng, double low, double high) {
  return std::uniform_real_distribution<double>(low, high)(rng);
}
int uniform_int(std::mt19937_64& rng, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(rng);
}

// A company whose groups share one view of each dimension (no true gap anywhere), with its own
// profile over the dimensions, its own participation per group and a true score of `target`.
sim::company_model shared_view_company(std::mt19937_64& rng, std::array<int, group_count> people,
                                       double target) {
  sim::company_model m;
  std::array<double, dimension_count> profile{};
  std::normal_distribution<double> spread(0.0, 0.3);
  for (auto& p : profile) p = 3.0 + spread(rng);
  for (const group g : all_groups) {
    m[g].people = people[static_cast<std::size_t>(g)];
    m[g].participation = uniform(rng, 0.5, 0.9);
    m[g].mean = profile;
  }
  sim::calibrate_to_score(m, target);
  return m;
}

// 10–40 people, about 40% Sales, 40% Marketing, one or two leaders, the rest other; groups
// differ a little (as real ones do) but no more than that.
sim::company_model mixed_company(std::mt19937_64& rng, int low, int high, double target) {
  const int n = uniform_int(rng, low, high);
  const int leaders = uniform_int(rng, 1, 2);
  const int sales = static_cast<int>(std::lround(0.4 * (n - leaders)));
  const int marketing = static_cast<int>(std::lround(0.4 * (n - leaders)));
  auto m = shared_view_company(rng, {sales, marketing, leaders, n - leaders - sales - marketing},
                               target);
  std::normal_distribution<double> group_offset(0.0, 0.15);
  for (auto& g : m.groups) {
    const double offset = group_offset(rng);
    for (auto& mean : g.mean) mean += offset;
  }
  sim::calibrate_to_score(m, target);
  return m;
}

// The same company whose attitudes step up in its last `last_weeks` weeks, by as much as moves
// its true score `target_rise` points.
sim::company_model weeks_shifted(sim::company_model m, int last_weeks, double target_rise) {
  const double base = sim::true_score(m);
  const double shift = sim::shift_for_score(m, base + target_rise);
  m.weekly_shift.assign(static_cast<std::size_t>(m.weeks), 0.0);
  for (int w = m.weeks - last_weeks; w < m.weeks; ++w) m.weekly_shift[static_cast<std::size_t>(w)] = shift;
  return m;
}

// The simulator itself, checked against its own exact expectation without the report: a large
// company where everybody answers, whose answer means must match the true score.
TEST(simulation, simulated_answers_match_the_exact_true_score) {
  std::mt19937_64 rng(20260101);
  for (const double target : {35.0, 59.0, 61.0, 88.0}) {
    sim::company_model m;
    for (const group g : all_groups) {
      m[g].people = smoke_only ? 50 : 500;
      m[g].participation = 1.0;
      for (std::size_t d = 0; d < dimension_count; ++d) m[g].mean[d] = 2.5 + 0.2 * static_cast<double>(d);
    }
    m.statement_answer_rate = 1.0;
    sim::calibrate_to_score(m, target);
    EXPECT_NEAR(sim::true_score(m), target, 1e-9);
    const auto data = sim::simulate_company(m, rng);
    std::array<double, statement_count> sum{};
    std::array<int, statement_count> count{};
    for (const auto& a : data.answers) {
      sum[a.item] += a.value;
      ++count[a.item];
    }
    double mean_of_means = 0.0;
    for (std::size_t k = 0; k < statement_count; ++k) mean_of_means += sum[k] / count[k];
    const double measured = 20.0 * mean_of_means / statement_count;
    // People's attitudes vary around the model, so 2,000 people leave about 0.2 points of noise.
    EXPECT_NEAR(measured, target, smoke_only ? 3.0 : 1.0) << "target " << target;
  }
}

// a. A perception gap where Sales and Marketing truly agree.
TEST(simulation, no_true_gap_is_rarely_flagged_at_any_size) {
  std::mt19937_64 rng(1001);
  const int n = companies(1000);
  for (const int per_side : {5, 8, 15}) {
    rate flagged;
    rate testable;  // at least one dimension with both sides shown
    rate clear_of_zero;  // per dimension tested: the simultaneous interval excludes 0
    for (int c = 0; c < n; ++c) {
      const int leaders = per_side < 10 ? 1 : 2;
      const auto model = shared_view_company(rng, {per_side, per_side, leaders, 0}, uniform(rng, 40, 80));
      const auto r = build_report(sim::simulate_company(model, rng), options_as_of(sim::last_week(model)));
      expect_invariants(r);
      flagged.add(std::any_of(r.dimensions.begin(), r.dimensions.end(),
                              [](const dimension_result& d) { return d.perception_gap; }));
      testable.add(std::any_of(r.dimensions.begin(), r.dimensions.end(), [](const dimension_result& d) {
        return d.verdict != gap_verdict::too_few_to_tell;
      }));
      for (const auto& d : r.dimensions) {
        if (d.gap) clear_of_zero.add(d.gap_ci_low > 0.0 || d.gap_ci_high < 0.0);
      }
    }
    const auto size = std::to_string(per_side) + "+" + std::to_string(per_side);
    // The Bonferroni rule is built to deliver 5%: with seven nearly independent dimensions it
    // does (about 5.0% over 8,000 companies at 8+8 and 15+15), so this bound has no margin
    // beyond this seed's sample.
    record("no_gap_" + size + "_any_dimension_flagged", flagged);
    record("no_gap_" + size + "_any_dimension_testable", testable);
    // Bonferroni promises at most 5% / 7 = 0.71% per dimension; more means the per-dimension
    // interval is narrower than the noise.
    record("no_gap_" + size + "_dimension_interval_excludes_zero", clear_of_zero);
    if (!smoke_only) {
      EXPECT_LE(flagged.value(), 0.05) << size;
    }
  }
}

TEST(simulation, a_true_gap_of_one_point_is_flagged_at_fifteen_a_side) {
  std::mt19937_64 rng(1002);
  const int n = companies(400);
  constexpr auto gap_dimension = dimension::feedback_loops;
  constexpr auto d = static_cast<std::size_t>(gap_dimension);
  rate flagged;
  rate flagged_elsewhere;
  rate right_sign;
  double true_gap = 0.0;
  for (int c = 0; c < n; ++c) {
    auto model = shared_view_company(rng, {15, 15, 2, 0}, uniform(rng, 45, 75));
    model[group::sales].mean[d] -= 0.5;
    model[group::marketing].mean[d] += 0.5;
    true_gap += sim::true_dimension_mean(model, group::sales, gap_dimension) -
                sim::true_dimension_mean(model, group::marketing, gap_dimension);
    const auto r = build_report(sim::simulate_company(model, rng), options_as_of(sim::last_week(model)));
    expect_invariants(r);
    const auto& figures = r.dimension_figures(gap_dimension);
    flagged.add(figures.perception_gap);
    if (figures.perception_gap) right_sign.add(*figures.gap < 0.0);
    bool other = false;
    for (const auto& other_dim : r.dimensions) other |= other_dim.dim != gap_dimension && other_dim.perception_gap;
    flagged_elsewhere.add(other);
  }
  record("true_gap_15+15_mean_expected_gap", true_gap / n, " (1-5 scale)");
  record("true_gap_15+15_flagged_on_its_dimension", flagged);
  record("true_gap_15+15_flagged_with_the_right_sign", right_sign);
  record("true_gap_15+15_other_dimension_flagged", flagged_elsewhere);
  if (!smoke_only) {
    // Measured 65% here; a disabled or blunted test falls well short.
    EXPECT_GE(flagged.value(), 0.55);
    EXPECT_EQ(right_sign.hits, right_sign.trials);
  }
}

// b. Stage labels at the 60 edge.
TEST(simulation, stage_at_the_band_edge_is_marked_as_a_border_case_and_the_label_holds) {
  std::mt19937_64 rng(2001);
  const int n = companies(500);
  rate wrong_side;
  rate wrong_side_on_border;
  rate on_border;
  rate shown_flips;
  rate point_flips;
  rate carried_flips;  // the label a caller would show by carrying last week's label forward
  rate shown_wrong;    // in the last report, the label is on the wrong side of 60
  rate carried_wrong;
  for (int c = 0; c < n; ++c) {
    const double target = c % 2 ? 61.0 : 59.0;
    const auto model = mixed_company(rng, 10, 20, target);
    const auto data = sim::simulate_company(model, rng);
    std::optional<stage> previous_shown;
    std::optional<stage> previous_point;
    std::optional<stage> carried;
    bool shown_flipped = false;
    bool point_flipped = false;
    bool carried_flipped = false;
    for (int back = weekly_reports - 1; back >= 0; --back) {
      auto options = options_as_of(sim::last_week(model) - back);
      options.previous_stage = previous_shown;  // the label shown last week, as the bot keeps it
      const auto r = build_report(data, options);
      expect_invariants(r);
      if (!r.score.shown) continue;
      const auto carried_now = carried ? stable_stage(carried, r.score) : *r.shown_stage;
      if (back < weekly_reports - 1) {
        shown_flipped |= r.shown_stage != previous_shown;
        point_flipped |= r.current_stage() != previous_point;
        carried_flipped |= carried_now != carried;
      }
      carried = carried_now;
      previous_shown = r.shown_stage;
      previous_point = r.current_stage();
      if (back == 0) {
        const bool wrong = *r.current_stage() != stage_of(target);
        const bool border = read_stage(r.score).on_border();
        wrong_side.add(wrong);
        on_border.add(border);
        if (wrong) wrong_side_on_border.add(border);
        shown_wrong.add(*r.shown_stage != stage_of(target));
        carried_wrong.add(carried_now != stage_of(target));
      }
    }
    shown_flips.add(shown_flipped);
    point_flips.add(point_flipped);
    carried_flips.add(carried_flipped);
  }
  record("edge_59_61_point_stage_on_the_wrong_side", wrong_side);
  record("edge_59_61_wrong_side_marked_on_border", wrong_side_on_border);
  record("edge_59_61_any_report_marked_on_border", on_border);
  record("edge_59_61_companies_whose_point_stage_flips_in_8_weeks", point_flips);
  record("edge_59_61_companies_whose_shown_stage_flips_in_8_weeks", shown_flips);
  record("edge_59_61_companies_whose_carried_label_flips_in_8_weeks", carried_flips);
  record("edge_59_61_shown_stage_on_the_wrong_side", shown_wrong);
  record("edge_59_61_carried_label_on_the_wrong_side", carried_wrong);
  if (!smoke_only) {
    EXPECT_GE(wrong_side_on_border.value(), 0.90);
    EXPECT_LE(shown_flips.value(), 0.15);
  }
}

// c. Changes called where nothing changed, and a real rise.
TEST(simulation, no_true_change_is_rarely_called_up_or_down) {
  std::mt19937_64 rng(3001);
  const int n = companies(2000);
  rate any_called;
  rate weekly_called;
  rate overall_called;
  for (int c = 0; c < n; ++c) {
    const auto model = mixed_company(rng, 10, 40, uniform(rng, 40, 80));
    const auto r = build_report(sim::simulate_company(model, rng), options_as_of(sim::last_week(model)));
    expect_invariants(r);
    const auto called = [](trend_change t) { return t == trend_change::up || t == trend_change::down; };
    const bool weekly = called(r.trend.back().change);
    const bool overall = called(r.overall_change.change);
    weekly_called.add(weekly);
    overall_called.add(overall);
    any_called.add(weekly || overall);
  }
  record("no_change_last_week_called", weekly_called);
  record("no_change_since_first_week_called", overall_called);
  record("no_change_either_called", any_called);
  if (!smoke_only) {
    EXPECT_LE(any_called.value(), 0.05);
  }
}

TEST(simulation, a_true_rise_of_eight_points_is_called_up) {
  std::mt19937_64 rng(3002);
  const int n = companies(400);
  constexpr int rise_weeks = 4;
  constexpr double rise = 8.0;
  rate up;
  rate down;
  double measured_delta = 0.0;
  for (int c = 0; c < n; ++c) {
    const auto model = weeks_shifted(mixed_company(rng, 10, 40, uniform(rng, 40, 72)), rise_weeks, rise);
    const auto r = build_report(sim::simulate_company(model, rng), options_as_of(sim::last_week(model)));
    expect_invariants(r);
    up.add(r.overall_change.change == trend_change::up);
    down.add(r.overall_change.change == trend_change::down);
    measured_delta += r.overall_change.delta;
  }
  record("rise_8_points_in_4_weeks_mean_measured_change", measured_delta / n, " points");
  record("rise_8_points_in_4_weeks_called_up", up);
  record("rise_8_points_in_4_weeks_called_down", down);
  if (!smoke_only) {
    // Measured 87.8%: the 8-week window still holds older answers, so the report sees about
    // two thirds of the rise by the last week.
    EXPECT_GE(up.value(), 0.75);
    EXPECT_EQ(down.hits, 0);
  }
}

// d. Intervals.
TEST(simulation, the_score_interval_covers_the_true_score) {
  std::mt19937_64 rng(4001);
  const int n = companies(2000);
  rate covers;
  rate misses_low;  // interval entirely below the true score
  rate at_floor;    // the half-width is min_person_sd's floor, not the data's own spread
  double squared_error = 0.0;
  double claimed_variance = 0.0;  // the standard error the interval implies, squared
  double width = 0.0;
  for (int c = 0; c < n; ++c) {
    const auto model = mixed_company(rng, 10, 40, uniform(rng, 35, 85));
    const double truth = sim::true_score(model);
    const auto r = build_report(sim::simulate_company(model, rng), options_as_of(sim::last_week(model)));
    expect_invariants(r);
    covers.add(r.score.shown && r.score.ci_low <= truth && truth <= r.score.ci_high);
    misses_low.add(r.score.shown && r.score.ci_high < truth);
    width += r.score.ci_high - r.score.ci_low;
    if (r.score.shown) {
      const int people = r.score.respondents;
      const double floor = t_critical_95(people - 1) * 20.0 * min_person_sd / std::sqrt(people);
      const double half_width = std::max(r.score.ci_high - r.score.value, r.score.value - r.score.ci_low);
      at_floor.add(std::abs(half_width - floor) < 1e-6);
      squared_error += (r.score.value - truth) * (r.score.value - truth);
      const double standard_error = half_width / t_critical_95(people - 1);
      claimed_variance += standard_error * standard_error;
    }
  }
  record("interval_10_to_40_people_covers_true_score", covers);
  record("interval_10_to_40_people_entirely_below_true_score", misses_low);
  record("interval_10_to_40_people_mean_width", width / n, " points");
  record("interval_10_to_40_people_width_set_by_the_min_person_sd_floor", at_floor);
  record("interval_10_to_40_people_actual_error_rms", std::sqrt(squared_error / n), " points");
  record("interval_10_to_40_people_claimed_standard_error_rms", std::sqrt(claimed_variance / n), " points");
  if (!smoke_only) {
    EXPECT_GE(covers.value(), 0.92);
  }
}

TEST(simulation, identical_answers_never_give_a_zero_width_interval) {
  std::mt19937_64 rng(4002);
  for (const double latent : {1.0, 3.0, 5.0}) {
    sim::company_model m;
    m[group::other].people = 5;
    m[group::other].participation = 1.0;
    m[group::other].mean.fill(latent);
    m.person_sd = 0.0;
    m.answer_sd = 0.0;
    m.statement_answer_rate = 1.0;
    const auto r = build_report(sim::simulate_company(m, rng), options_as_of(sim::last_week(m)));
    expect_invariants(r);
    ASSERT_TRUE(r.score.shown);
    EXPECT_DOUBLE_EQ(r.score.value, 20.0 * latent);
    EXPECT_GT(r.score.ci_high - r.score.ci_low, 0.0) << "everyone answered " << latent;
  }
}

// e. Who answers: Sales answers less often and sees things darker than Marketing. The plain
// mean over respondents leans towards Marketing; measured here until weighting exists.
// e. Who answered: Sales (lower attitudes) answers 40% of weeks, Marketing 90%. The plain mean
// leans toward Marketing; weighting each team by its share of the members (the bot knows them)
// does not.
sim::company_model uneven_response_company(std::mt19937_64& rng) {
  sim::company_model m;
  std::normal_distribution<double> spread(0.0, 0.3);
  for (std::size_t d = 0; d < dimension_count; ++d) {
    const double base = 3.1 + spread(rng);
    m[group::sales].mean[d] = base - 0.5;
    m[group::marketing].mean[d] = base + 0.5;
    m[group::leadership].mean[d] = base;
  }
  m[group::sales].people = 10;
  m[group::sales].participation = 0.4;
  m[group::marketing].people = 10;
  m[group::marketing].participation = 0.9;
  m[group::leadership].people = 2;
  m[group::leadership].participation = 0.8;
  return m;
}

std::array<int, group_count> members_of(const sim::company_model& m) {
  std::array<int, group_count> out{};
  for (std::size_t g = 0; g < group_count; ++g) out[g] = m.groups[g].people;
  return out;
}

TEST(simulation, weighting_teams_by_their_members_removes_the_bias_of_who_answered) {
  std::mt19937_64 rng(5001);
  const int n = companies(400);
  double plain_bias = 0.0;
  double weighted_bias = 0.0;
  double weighted_squares = 0.0;
  rate plain_covers;
  rate weighted_covers;
  for (int c = 0; c < n; ++c) {
    const auto m = uneven_response_company(rng);
    const double truth = sim::true_score(m);
    const auto data = sim::simulate_company(m, rng);
    auto options = options_as_of(sim::last_week(m));
    const auto plain = build_report(data, options);
    options.population = members_of(m);
    const auto weighted = build_report(data, options);
    expect_invariants(plain);
    expect_invariants(weighted);
    plain_bias += plain.score.value - truth;
    weighted_bias += weighted.score.value - truth;
    weighted_squares += (weighted.score.value - truth) * (weighted.score.value - truth);
    plain_covers.add(plain.score.shown && plain.score.ci_low <= truth && truth <= plain.score.ci_high);
    weighted_covers.add(weighted.score.shown && weighted.score.ci_low <= truth && truth <= weighted.score.ci_high);
  }
  const double plain_mean = plain_bias / n;
  const double weighted_mean = weighted_bias / n;
  const double weighted_se = std::sqrt(std::max(0.0, weighted_squares / n - weighted_mean * weighted_mean) / n);
  record("uneven_response_plain_mean_bias", plain_mean, " points (report − true score)");
  record("uneven_response_weighted_bias", weighted_mean, " points (report − true score)");
  record("uneven_response_weighted_bias_standard_error", weighted_se, " points");
  record("uneven_response_plain_interval_covers_true_score", plain_covers);
  record("uneven_response_weighted_interval_covers_true_score", weighted_covers);
  if (!smoke_only) {
    EXPECT_GT(plain_mean, 1.5);  // the problem is real in this model (measured +2.4)
    EXPECT_LT(std::abs(weighted_mean), 0.5);
    // Measured 91.8% with the 24 statements of instrument 2 (95.x% with 20): a stratum of about
    // four Sales answers per statement makes the linearised interval a little narrow.
    EXPECT_GE(weighted_covers.value(), 0.90);
  }
}

}  // namespace
}  // namespace smrel::scoring
