#pragma once
// Synthetic companies for statistical tests of the scoring: people in groups with stable latent
// attitudes, noisy 1–5 answers, weeks they skip and statements they leave out, all drawn from one
// seeded generator so a test's rates are the same on every run. The model's expected score (the
// "true score") is computed exactly, so a test can ask how often a report is right about it.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "scoring/instrument.hpp"
#include "scoring/iso_week.hpp"
#include "scoring/report.hpp"
#include "scoring/rotation.hpp"

namespace smrel::testing {

/// One group of people (Sales, Marketing, …) in a simulated company.
struct simulated_group {
  int people = 0;
  /// Chance that a person takes part in a given week.
  double participation = 0.7;
  /// The group's true mean attitude per dimension, on the latent 1–5 scale (before rounding).
  std::array<double, scoring::dimension_count> mean{};
  /// Participation in particular weeks (index 0 = the first simulated week), overriding
  /// `participation` there: one low-response week, say.
  std::vector<double> weekly_participation;

  double participation_in(int week) const {
    const auto w = static_cast<std::size_t>(week);
    return w < weekly_participation.size() ? weekly_participation[w] : participation;
  }
};

/// How a simulated company's people think and answer. The defaults are a plausible company, not a
/// measured one: what matters for the tests is that the model is known exactly.
struct company_model {
  std::array<simulated_group, scoring::group_count> groups{};
  /// Spread of people's stable attitudes around their group's mean (latent 1–5 scale).
  double person_sd = 0.5;
  /// Share of a person's attitude variance common to all dimensions: someone grumpy about
  /// communication tends to be grumpy about planning too, which makes one person's answers
  /// correlated — exactly what the per-respondent interval has to cope with.
  double person_correlation = 0.5;
  /// Week-to-week noise of one answer around the person's attitude.
  double answer_sd = 0.8;
  /// Chance that a person taking part answers a given statement of the week's pulse.
  double statement_answer_rate = 0.9;
  /// Weeks simulated, ending at `last_week()`. 26 covers eight weekly reports with a 12-week
  /// trend and an 8-week window each (7 + 11 + 8 weeks).
  int weeks = 26;
  /// A shift of every latent mean in a given week (index 0 = the first simulated week); weeks
  /// past the end of the vector have no shift. Models a real change of attitudes over time.
  std::vector<double> weekly_shift;

  simulated_group& operator[](scoring::group g) { return groups[static_cast<std::size_t>(g)]; }
  const simulated_group& operator[](scoring::group g) const {
    return groups[static_cast<std::size_t>(g)];
  }
  int people() const {
    int n = 0;
    for (const auto& g : groups) n += g.people;
    return n;
  }
  double shift_in(int week) const {
    return week >= 0 && static_cast<std::size_t>(week) < weekly_shift.size()
               ? weekly_shift[static_cast<std::size_t>(week)]
               : 0.0;
  }
};

/// An arbitrary fixed Monday-based week (2026-W01 is index 2922); only differences matter.
inline constexpr scoring::iso_week simulation_start{2922};

inline scoring::iso_week first_week(const company_model&) { return simulation_start; }
inline scoring::iso_week last_week(const company_model& model) {
  return simulation_start + (model.weeks - 1);
}

namespace detail {
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace detail

/// E[clamp(round(X), 1, 5)] for X ~ Normal(latent_mean, sd²), exactly: the rounded, clamped answer
/// is 1 plus the number of thresholds 1.5, 2.5, 3.5, 4.5 that X exceeds.
inline double expected_answer(double latent_mean, double sd) {
  double e = scoring::lowest_rating;
  for (int k = scoring::lowest_rating; k < scoring::highest_rating; ++k) {
    const double threshold = k + 0.5;
    e += sd > 0.0 ? detail::normal_cdf((latent_mean - threshold) / sd)
                  : (latent_mean > threshold ? 1.0 : 0.0);
  }
  return e;
}

/// The company's true score with every latent mean moved by `shift`: 20 × the mean over the
/// statements of the expected answer of the whole population (every person counted once,
/// whether or not they tend to answer). A person's answer is their attitude plus noise, so
/// marginally it is normal with variance person_sd² + answer_sd².
inline double true_score(const company_model& model, double shift = 0.0) {
  const double sd = std::hypot(model.person_sd, model.answer_sd);
  const int population = model.people();
  if (population == 0) throw std::invalid_argument("a company needs people");
  double sum = 0.0;
  for (const auto& s : scoring::statements()) {
    const auto d = static_cast<std::size_t>(s.dim);
    double weighted = 0.0;
    for (const auto& g : model.groups) weighted += g.people * expected_answer(g.mean[d] + shift, sd);
    sum += weighted / population;
  }
  return 20.0 * sum / static_cast<double>(scoring::statement_count);
}

/// The true score in a given simulated week (0 = first), with that week's shift.
inline double true_score_in_week(const company_model& model, int week) {
  return true_score(model, model.shift_in(week));
}

/// True mean of one dimension for one group (1–5 scale, expected answer).
inline double true_dimension_mean(const company_model& model, scoring::group g,
                                  scoring::dimension d) {
  const double sd = std::hypot(model.person_sd, model.answer_sd);
  return expected_answer(model[g].mean[static_cast<std::size_t>(d)], sd);
}

/// The shift of every latent mean that gives the company a true score of `target` (bisection:
/// the true score rises strictly with the shift).
inline double shift_for_score(const company_model& model, double target) {
  if (target <= scoring::lowest_score || target >= scoring::highest_score) {
    throw std::invalid_argument("a target score must lie strictly inside 20–100");
  }
  double low = -20.0;
  double high = 20.0;
  for (int i = 0; i < 200 && high - low > 1e-12; ++i) {
    const double mid = 0.5 * (low + high);
    (true_score(model, mid) < target ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

/// Moves every latent mean so that the company's true score is `target`; keeps the differences
/// between groups and dimensions.
inline void calibrate_to_score(company_model& model, double target) {
  const double shift = shift_for_score(model, target);
  for (auto& g : model.groups) {
    for (auto& m : g.mean) m += shift;
  }
}

/// One simulated company's answers, in arrival order (people in random order within a week).
/// Respondent i is person i (groups in the order of scoring::all_groups), and person i's
/// rotation offset is i, as the bot staggers people.
inline scoring::survey simulate_company(const company_model& model, std::mt19937_64& rng) {
  std::normal_distribution<double> standard_normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  struct person {
    scoring::group in;
    double participation;
    std::array<double, scoring::dimension_count> attitude;
  };
  std::vector<person> people;
  people.reserve(static_cast<std::size_t>(model.people()));
  const double common = std::sqrt(model.person_correlation);
  const double own = std::sqrt(1.0 - model.person_correlation);
  for (const auto g : scoring::all_groups) {
    const auto& spec = model[g];
    for (int i = 0; i < spec.people; ++i) {
      person p{g, spec.participation, {}};
      const double general = standard_normal(rng);
      for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
        p.attitude[d] =
            spec.mean[d] + model.person_sd * (common * general + own * standard_normal(rng));
      }
      people.push_back(p);
    }
  }

  scoring::survey out;
  out.respondent_groups.reserve(people.size());
  for (const auto& p : people) out.respondent_groups.push_back(p.in);

  std::vector<std::uint32_t> order(people.size());
  std::iota(order.begin(), order.end(), 0U);
  for (int w = 0; w < model.weeks; ++w) {
    const scoring::iso_week week = simulation_start + w;
    const double shift = model.shift_in(w);
    std::shuffle(order.begin(), order.end(), rng);
    for (const auto r : order) {
      const auto& p = people[r];
      if (unit(rng) >= model[p.in].participation_in(w)) continue;
      for (const auto item : scoring::pulse_statements(week, r)) {
        if (unit(rng) >= model.statement_answer_rate) continue;
        const auto d = static_cast<std::size_t>(scoring::statements()[item].dim);
        const double latent = p.attitude[d] + shift + model.answer_sd * standard_normal(rng);
        const auto value = std::clamp<long>(std::lround(latent), scoring::lowest_rating,
                                            scoring::highest_rating);
        out.answers.push_back({week, r, item, static_cast<std::uint8_t>(value)});
      }
    }
  }
  return out;
}

}  // namespace smrel::testing
