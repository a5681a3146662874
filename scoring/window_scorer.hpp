#pragma once
// One rolling window of answers scored: the latest answer per person and statement, statement
// means (post-stratified when team sizes are known), the score, group and dimension figures and
// their influence values (see report.cpp for the method). Internal to scoring/report.cpp.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "scoring/report.hpp"

namespace smrel::scoring::detail {

inline constexpr double score_scale = 20.0;  // reads like the article's total: 20 statements × 1…5
inline constexpr std::size_t scope_count = 1 + group_count;  // everyone, then one scope per group
inline constexpr std::size_t everyone = 0;
inline constexpr std::size_t items = statement_count;
static_assert(items <= 64, "statements_scored() keeps one bit per statement");

inline std::size_t scope_of(group g) { return 1 + static_cast<std::size_t>(g); }

/// Each statement's dimension, by statement index.
std::array<std::uint8_t, statement_count> statement_dimensions();

// The interval's standard error never falls below what people differing by min_person_sd (on the
// 1–5 scale) would give: `scale` is 20 for scores, 1 for means.
estimate make_estimate(double value, double variance_sum, int respondents, int min_group_size,
                       double low_bound, double high_bound, double scale);

// Answers bucketed by week (a counting sort that keeps arrival order within a week), flattened
// to statement cells r·items + k, so one window is a contiguous slice.
struct prepared_answers {
  iso_week first_week;
  std::vector<std::uint32_t> week_begin;  // size weeks + 1
  std::vector<std::uint32_t> cell;
  std::vector<std::uint8_t> value;

  int weeks() const { return static_cast<int>(week_begin.size()) - 1; }
};

/// Answers in week buckets; answers to an earlier wording of a statement are left out, so no
/// figure mixes wordings.
prepared_answers prepare(const survey& data);

// Scores one rolling window. Scratch arrays are sized once and reused across the trend: cells and
// respondents are tagged with the evaluation's epoch instead of being cleared.
class window_scorer {
 public:
  window_scorer(const survey& data, const prepared_answers& prepared, int min_group_size,
                std::optional<std::array<int, group_count>> population, std::array<bool, group_count> pooled)
      : data_(data),
        prepared_(prepared),
        min_group_size_(min_group_size),
        population_(population),
        pooled_(pooled),
        cell_epoch_(data.respondent_groups.size() * items, 0),
        cell_value_(data.respondent_groups.size() * items, 0),
        respondent_epoch_(data.respondent_groups.size(), 0),
        influence_all_(data.respondent_groups.size(), 0.0),
        influence_group_(data.respondent_groups.size(), 0.0),
        dimension_mask_(data.respondent_groups.size(), 0) {}

  struct overall_result {
    double score = 0.0;
    double variance_sum = 0.0;
    int respondents = 0;
  };

  // Collects the latest answer per respondent and statement in [last − window + 1, last]. A latest
  // answer "don't know" replaces an earlier rating and is counted apart, never scored: `rated_`
  // holds the cells with a rating, and only people with one are respondents.
  void collect(iso_week last, int window_weeks);

  // Company statement means weighted by each group's share of the members instead of its share
  // of the answers: m_k = Σ_s W_s · m_sk / Σ_s W_s over the strata that answered statement k. A
  // stratum is a group, except that pooled groups form one stratum together (their plain mean).
  void post_stratify();

  // How far one answer moves the company mean of its statement (the linearisation's term):
  // plain mean (x − m_k) / n_k; post-stratified W_s (x − m_sk) / n_sk for the answer's stratum.
  double company_influence(std::size_t g, std::size_t k, double v) const;

  // Overall score and its influence values (kept per respondent for the paired trend change).
  overall_result overall();

  // A token per respondent of their answers in the window (0 = not in it), independent of the
  // order answers were collected in: equal tokens, equal part in the figures.
  void fingerprints(std::vector<std::uint64_t>& out) const;

  // Which statements the company score is the mean of: scores over different statements (e.g.
  // across a change of the instrument) differ by composition, not by what people think.
  std::uint64_t statements_scored() const {
    std::uint64_t mask = 0;
    for (std::size_t k = 0; k < items; ++k) mask |= counts_[everyone][k] ? std::uint64_t{1} << k : 0;
    return mask;
  }

  double influence(std::uint32_t r) const;
  const std::vector<std::uint32_t>& respondents() const { return respondents_; }

  // Group scores and dimension figures; call after collect() (and overall(), which it reuses).
  void details(report& out);

  // Per group and statement, how many latest answers were "don't know"; the frequent ones on a
  // side whose figure for the statement's dimension is shown are findings.
  void dont_knows(report& out) const;

  // Each respondent's latest answers in the window, for release control.
  void contributions(std::vector<contribution>& out) const;

 private:
  const survey& data_;
  const prepared_answers& prepared_;
  const int min_group_size_;
  const std::optional<std::array<int, group_count>> population_;
  const std::array<bool, group_count> pooled_;
  const std::array<std::uint8_t, statement_count> dims_ = statement_dimensions();
  std::uint32_t epoch_ = 0;
  std::vector<std::uint32_t> cell_epoch_;
  std::vector<std::uint8_t> cell_value_;
  std::vector<std::uint32_t> respondent_epoch_;
  std::vector<double> influence_all_;
  std::vector<double> influence_group_;
  std::vector<std::uint8_t> dimension_mask_;
  std::vector<double> dimension_influence_;  // [respondent][dimension][everyone, own group]
  std::vector<std::uint32_t> touched_;
  std::vector<std::uint32_t> rated_;  // the touched cells whose latest answer is a rating
  std::vector<std::uint32_t> respondents_;
  std::array<std::array<int, items>, scope_count> dont_know_{};
  std::array<std::array<double, items>, scope_count> sums_{};
  std::array<std::array<int, items>, scope_count> counts_{};
  std::array<std::array<double, items>, scope_count> means_{};
  // Post-stratification, per group scope: its stratum's weight share, mean and count.
  std::array<std::array<double, items>, scope_count> share_{};
  std::array<std::array<double, items>, scope_count> stratum_mean_{};
  std::array<std::array<int, items>, scope_count> stratum_count_{};
  std::array<int, scope_count> answered_statements_{};
  std::array<double, scope_count> scores_{};
};

}  // namespace smrel::scoring::detail
