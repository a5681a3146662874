#include "scoring/report.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scoring/statistics.hpp"
#include "scoring/window_scorer.hpp"

namespace smrel::scoring {

// Confidence intervals: linearisation (influence functions) with the respondent as the cluster.
//
// With rotating pulses every person answers a different, partial subset of the statements, and
// one person's answers to several statements are correlated. Treating answers as independent
// would understate the noise; a plain standard error per statement cannot be combined because
// the statement means share respondents. So each respondent r gets an influence value
//     u_r = (20 / K) · Σ_{k answered by r} (x_rk − m_k) / n_k
// (how far the score moves because of r's answers), and the variance of the score is the
// cluster-robust  n / (n − 1) · Σ_r u_r², where n counts respondents. For one statement answered
// by everybody this is exactly s² / n, the textbook standard error of a mean. The interval uses
// Student's t with n − 1 degrees of freedom, because the groups we show can be as small as 3–5
// people, where the normal quantile would be far too narrow.
//
// Where the members per group are known (the bot), company statement means are post-stratified:
// m_k = Σ_g W_g · m_gk with W_g each group's share of the members among the groups that answered
// statement k, and the influence of an answer becomes W_g · (x − m_gk) / n_gk.
//
// Week-to-week changes reuse the same idea: consecutive rolling windows share most respondents,
// so their scores are strongly correlated and comparing two intervals would hide real moves. The
// change Δ has influence u_r(t) − u_r(t−1) per respondent, which gives its own standard error;
// a change is "up" or "down" only when |Δ| exceeds its 95% critical value.

namespace {

using namespace detail;

// Standard-error sum of the change between two consecutive windows, over the union of their
// respondents; `previous` holds (respondent, influence) of the earlier window.
struct paired_change {
  double variance_sum = 0.0;
  int respondents = 0;
};

paired_change pair_with_previous(const window_scorer& current,
                                 const std::vector<std::pair<std::uint32_t, double>>& previous,
                                 std::vector<std::uint8_t>& seen) {
  paired_change out;
  for (const auto& [r, u] : previous) {
    const double d = current.influence(r) - u;
    out.variance_sum += d * d;
    ++out.respondents;
    seen[r] = 1;
  }
  for (const auto r : current.respondents()) {
    if (!seen[r]) {
      const double d = current.influence(r);
      out.variance_sum += d * d;
      ++out.respondents;
    }
  }
  for (const auto& [r, u] : previous) seen[r] = 0;
  return out;
}

// A report calls two changes (since last week, since the first week of the trend); each is tested
// at half the family error rate, and neither is called below min_meaningful_change.
trend_change classify_change(double delta, const paired_change& pair) {
  if (pair.respondents < 2) return trend_change::none;
  const double n = pair.respondents;
  const double standard_error = std::sqrt(pair.variance_sum * n / (n - 1.0));
  const double critical = student_t_quantile(1.0 - change_family_error / 4.0, n - 1.0);
  const double threshold = std::max(critical * standard_error, min_meaningful_change - 1e-9);
  if (delta > threshold) return trend_change::up;
  if (delta < -threshold) return trend_change::down;
  return trend_change::steady;
}

void validate(const survey& data, const scoring_options& options) {
  if (options.window_weeks < 1 || options.window_weeks > max_window_weeks) {
    throw std::invalid_argument("window must be 1 to 104 weeks");
  }
  if (options.min_group_size < anonymity_floor) {
    throw std::invalid_argument("minimum group size must be at least 3");
  }
  if (options.trend_weeks < 0) throw std::invalid_argument("trend weeks must not be negative");
  if (options.population) {
    for (const int members : *options.population) {
      if (members < 0) throw std::invalid_argument("group sizes must not be negative");
    }
  }
  for (const answer& a : data.answers) {
    if (a.respondent >= data.respondent_groups.size() || a.item >= statement_count || !is_answer_value(a.value) ||
        a.wording < first_instrument_version || a.wording > instrument_version) {
      throw std::invalid_argument("answer out of range");
    }
  }
}

}  // namespace

stage_reading read_stage(const estimate& score) {
  return {stage_of(score.value), stage_of(score.ci_low), stage_of(score.ci_high)};
}

stage stable_stage(std::optional<stage> previous, const estimate& score) {
  if (!previous) return stage_of(score.value);
  const double from = band_from(*previous);
  const auto next = next_stage(*previous);
  const double below = next ? band_from(*next) : highest_score + 1.0;
  const bool moved = score.ci_low >= below || score.ci_high < from;
  return moved ? stage_of(score.value) : *previous;
}

std::optional<stage> report::current_stage() const {
  if (!score.shown) return std::nullopt;
  return stage_of(score.value);
}

std::optional<dimension> report::weakest_dimension() const {
  std::optional<dimension> weakest;
  double lowest = 0.0;
  for (const auto& d : dimensions) {
    if (d.mean.shown && (!weakest || d.mean.value < lowest)) {
      weakest = d.dim;
      lowest = d.mean.value;
    }
  }
  return weakest;
}

std::optional<dimension> report::largest_gap() const {
  std::optional<dimension> largest;
  double widest = 0.0;
  for (const auto& d : dimensions) {
    if (d.perception_gap && std::abs(*d.gap) > widest) {
      largest = d.dim;
      widest = std::abs(*d.gap);
    }
  }
  return largest;
}

report build_report(const survey& data, const scoring_options& options) {
  validate(data, options);
  report out;
  out.as_of = options.as_of;
  out.window_weeks = options.window_weeks;
  out.min_group_size = options.min_group_size;
  for (std::size_t d = 0; d < dimension_count; ++d) out.dimensions[d].dim = static_cast<dimension>(d);

  const prepared_answers prepared = prepare(data);
  window_scorer scorer(data, prepared, options.min_group_size, options.population, options.pooled);

  iso_week first = options.as_of;
  if (options.trend_weeks > 0) {
    first = options.as_of - (options.trend_weeks - 1);
  } else if (prepared.weeks() > 0) {  // some answer counts (not all are to an earlier wording)
    first = std::min(prepared.first_week, options.as_of);
  }

  std::vector<std::pair<std::uint32_t, double>> previous;
  std::vector<std::pair<std::uint32_t, double>> first_shown;  // influence at the first shown point
  std::optional<trend_point> first_point;
  std::uint64_t first_statements = 0;
  std::uint64_t previous_statements = 0;
  std::vector<std::uint8_t> seen(data.respondent_groups.size(), 0);
  bool previous_shown = false;
  double previous_score = 0.0;
  std::optional<stage> label;
  std::vector<std::vector<std::uint64_t>> shown_fingerprints;  // of earlier shown points
  std::vector<std::uint64_t> fingerprints;
  out.trend.reserve(static_cast<std::size_t>(options.as_of - first) + 1);
  for (iso_week week = first; week <= options.as_of; week = week + 1) {
    scorer.collect(week, options.window_weeks);
    const auto overall = scorer.overall();
    trend_point point;
    point.week = week;
    point.score = make_estimate(overall.score, overall.variance_sum, overall.respondents,
                                options.min_group_size, lowest_score, highest_score, score_scale);
    if (point.score.shown && options.control_trend_changes) {
      scorer.fingerprints(fingerprints);
      const bool few_changed = std::any_of(shown_fingerprints.begin(), shown_fingerprints.end(), [&](const auto& earlier) {
        int changed = 0;
        for (std::size_t r = 0; r < fingerprints.size(); ++r) changed += fingerprints[r] != earlier[r] ? 1 : 0;
        return changed > 0 && changed < options.min_group_size;
      });
      if (few_changed) {
        point.score = estimate{};
        point.score.why = withheld::too_few_changed;
      } else {
        shown_fingerprints.push_back(fingerprints);
      }
    }
    // A change is called only between scores over the same statements.
    const auto statements_now = scorer.statements_scored();
    if (point.score.shown && previous_shown && statements_now == previous_statements) {
      point.delta = point.score.value - previous_score;
      point.change = classify_change(point.delta, pair_with_previous(scorer, previous, seen));
    }
    previous_statements = statements_now;
    if (!point.score.shown) point.score.respondents = overall.respondents;
    previous_shown = point.score.shown;
    previous_score = point.score.value;
    previous.clear();
    for (const auto r : scorer.respondents()) previous.emplace_back(r, scorer.influence(r));
    if (point.score.shown) label = stable_stage(label, point.score);
    if (point.score.shown && !first_point) {
      first_point = point;
      first_shown = previous;
      first_statements = statements_now;
    }
    if (week == options.as_of) {
      out.score = point.score;
      if (point.score.shown) out.shown_stage = options.previous_stage ? stable_stage(options.previous_stage, point.score) : label;
      scorer.details(out);
      if (options.keep_contributions) scorer.contributions(out.contributions);
      if (first_point && point.score.shown && first_point->week < week && first_statements == statements_now) {
        out.overall_change.week = first_point->week;
        out.overall_change.score = first_point->score;
        out.overall_change.delta = point.score.value - first_point->score.value;
        out.overall_change.change = classify_change(out.overall_change.delta, pair_with_previous(scorer, first_shown, seen));
      }
    }
    out.trend.push_back(point);
  }
  return out;
}

}  // namespace smrel::scoring
