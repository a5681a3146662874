#include "bot/engine/demo.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "bot/engine/summary.hpp"
#include "scoring/rotation.hpp"

namespace smrel::engine {
namespace {

constexpr std::string_view demo_user_prefix = "U0DEMO";

using scoring::dimension;
using scoring::group;

struct team_plan {
  group g;
  int people;
  double participation;  // chance to answer a given week's pulse
};

// 16 + 15 + 6 + 3 = 40 people.
constexpr std::array<team_plan, 4> teams{{
    {group::sales, 16, 0.72},
    {group::marketing, 15, 0.85},
    {group::leadership, 6, 0.65},
    {group::other, 3, 0.70},  // RevOps
}};

// How each side sees each dimension at the start (1–5), and how much it drifts over the weeks.
// The story: a Defined company where Marketing feels it never hears back from Sales (feedback
// loops) and Sales feels judged by numbers Marketing does not share (shared KPIs); a monthly joint
// meeting started a few weeks in slowly improves conflict & trust and communication.
struct dimension_plan {
  dimension d;
  double sales;
  double marketing;
  double leadership;
  double drift;  // total change over the simulated weeks, same for everyone
};

constexpr std::array<dimension_plan, scoring::dimension_count> dimension_plans{{
    {dimension::conflict_trust, 2.5, 2.7, 3.0, 0.7},
    {dimension::communication, 2.8, 2.6, 3.1, 0.5},
    {dimension::feedback_loops, 3.3, 2.1, 2.8, 0.1},
    {dimension::shared_kpis_funnel, 2.1, 3.0, 2.7, 0.0},
    {dimension::joint_planning, 2.4, 2.7, 2.9, 0.2},
    {dimension::customers_enablement, 2.9, 3.2, 3.0, 0.2},
    {dimension::structure_roles, 2.0, 2.1, 2.5, 0.0},
}};

constexpr double personal_spread = 0.45;  // how much people differ from their team
constexpr double answer_noise = 0.6;      // how much one answer differs from a person's view
constexpr double partial_pulse_chance = 0.15;
constexpr double dutch_speakers = 0.3;
// "Can't judge": rare, except that salespeople often cannot see how the two teams are organised.
constexpr double dont_know_chance = 0.04;
constexpr double sales_dont_know_on_structure = 0.4;

// A deterministic generator on top of mt19937_64 (whose output is specified by the standard,
// unlike the library's distributions), so every machine seeds the same company.
class generator {
 public:
  explicit generator(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double normal() {
    // Box–Muller; 1 − u keeps the logarithm away from zero.
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }

 private:
  std::mt19937_64 engine_;
};

double team_view(const dimension_plan& plan, group g) {
  switch (g) {
    case group::sales: return plan.sales;
    case group::marketing: return plan.marketing;
    case group::leadership: return plan.leadership;
    case group::other: return (plan.sales + plan.marketing) / 2.0;
  }
  return 3.0;
}

struct person {
  storage::member m;
  std::string pseudonym;
  std::uint32_t offset = 0;
  std::array<double, scoring::dimension_count> bias{};
  double participation = 0.0;
};

}  // namespace

bool is_demo_member(const domain::member_key& key) { return key.user.starts_with(demo_user_prefix); }

demo_result seed_demo(storage::store& store, const domain::pseudonymizer& pseudonyms,
                      const config::survey_settings& survey, const demo_options& options) {
  using namespace std::chrono;
  generator random(options.seed);
  generator follow_up_random(options.seed ^ 0x9e3779b97f4a7c15ULL);  // its own stream: the answers stay as they were
  demo_result result;
  const auto first_week = options.current_week - (options.weeks - 1);
  const auto joined = time_point_cast<system_clock::duration>(sys_days{first_week.monday()} - days{14});

  std::vector<person> people;
  int number = 0;
  for (const auto& team : teams) {
    for (int i = 0; i < team.people; ++i) {
      ++number;
      char user[32];
      std::snprintf(user, sizeof user, "%s%03d", demo_user_prefix.data(), number);
      const domain::member_key key{options.workspace, user};
      const auto locale = random.uniform() < dutch_speakers ? scoring::locale::nl : scoring::locale::en;
      person p;
      p.pseudonym = pseudonyms.pseudonym(key);
      store.upsert_member(key, locale, joined);
      store.set_locale(key, locale);
      store.set_group(key, p.pseudonym, team.g);
      p.m = *store.find_member(key);
      p.offset = static_cast<std::uint32_t>(number);
      for (auto& b : p.bias) b = random.normal() * personal_spread;
      p.participation = team.participation;
      people.push_back(std::move(p));
    }
  }
  result.members = static_cast<int>(people.size());

  for (int w = 0; w < options.weeks; ++w) {
    const auto week = first_week + w;
    const double progress = options.weeks > 1 ? static_cast<double>(w) / (options.weeks - 1) : 1.0;
    const auto opened = time_point_cast<system_clock::duration>(sys_days{week.monday()} + hours{10});
    const auto closes = opened + days{survey.pulse_open_days};
    const auto pulse = store.open_pulse(options.workspace, week, opened, closes);
    ++result.pulses;

    std::vector<storage::new_answer> answers;
    for (const auto& p : people) {
      const auto& items = scoring::pulse_statements(week, p.offset);
      store.record_delivery(pulse.id, p.m.id, items, opened);
      if (random.uniform() >= p.participation) continue;
      const bool partial = random.uniform() < partial_pulse_chance;
      const auto answered_at = opened + minutes{static_cast<int>(random.uniform() * 60 * 24 * 3)};
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (partial && i >= 2) break;
        const auto k = items[i];
        const auto d = static_cast<std::size_t>(scoring::statements()[k].dim);
        const auto& plan = dimension_plans[d];
        const double view = team_view(plan, p.m.group) + plan.drift * progress + p.bias[d] + random.normal() * answer_noise;
        const double unsure = p.m.group == group::sales && plan.d == dimension::structure_roles ? sales_dont_know_on_structure
                                                                                                 : dont_know_chance;
        const auto value = random.uniform() < unsure ? scoring::dont_know
                                                     : static_cast<std::uint8_t>(std::clamp(std::lround(view), 1L, 5L));
        answers.push_back({options.workspace, pulse.id, p.pseudonym, week, k, value, answered_at + seconds{static_cast<int>(i) * 20}});
      }
    }
    store.store_answers(answers);
    result.answers += answers.size();

    // Nudges issued four weeks ago are followed up in this week's pulse; most people think they helped somewhat.
    storage::write_batch follow_ups;
    for (const auto& n : store.nudges_since(options.workspace, week - (follow_up_delay_weeks + 4))) {
      if (n.follow_up_week != week) continue;
      for (const auto& p : people) {
        if (follow_up_random.uniform() >= p.participation) continue;
        const double view = 3.3 + follow_up_random.normal() * answer_noise;
        follow_ups.follow_ups.push_back({n.id, p.pseudonym, static_cast<std::uint8_t>(std::clamp(std::lround(view), 1L, 5L)), opened + hours{4}});
      }
    }
    store.commit(follow_ups, opened);

    // The weekly digest records the nudges it issued, as the bot does; follow-ups come 4 weeks later.
    const auto issued_this_week = store.nudges_since(options.workspace, week);
    if (std::none_of(issued_this_week.begin(), issued_this_week.end(), [&](const auto& n) { return n.week == week; })) {
      const auto s = summarize_answers(store, options.workspace, survey, week);
      for (const auto& n : s.nudges) {
        store.record_nudge({0, options.workspace, std::string(n.what->id), week, n.why(scoring::locale::en),
                            closes, week + follow_up_delay_weeks});
        ++result.nudges;
      }
    }
  }
  return result;
}

}  // namespace smrel::engine
