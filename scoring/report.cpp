#include "scoring/report.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scoring/statistics.hpp"

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

constexpr double score_scale = 20.0;  // reads like the article's total: 20 statements × 1…5
constexpr std::size_t scope_count = 1 + group_count;  // everyone, then one scope per group
constexpr std::size_t everyone = 0;
constexpr std::size_t items = statement_count;
static_assert(items <= 64, "statements_scored() keeps one bit per statement");

std::size_t scope_of(group g) { return 1 + static_cast<std::size_t>(g); }

std::array<std::uint8_t, statement_count> statement_dimensions() {
  std::array<std::uint8_t, statement_count> dims{};
  for (std::size_t k = 0; k < statement_count; ++k) {
    dims[k] = static_cast<std::uint8_t>(statements()[k].dim);
  }
  return dims;
}

// The interval's standard error never falls below what people differing by min_person_sd (on the
// 1–5 scale) would give: `scale` is 20 for scores, 1 for means.
estimate make_estimate(double value, double variance_sum, int respondents, int min_group_size,
                       double low_bound, double high_bound, double scale) {
  estimate e;
  if (respondents < min_group_size || respondents < 2) return e;
  const double n = respondents;
  const double floor = scale * min_person_sd / std::sqrt(n);
  const double standard_error = std::max(std::sqrt(variance_sum * n / (n - 1.0)), floor);
  const double margin = t_critical_95(respondents - 1) * standard_error;
  e.shown = true;
  e.why = withheld::no;
  e.value = value;
  e.ci_low = std::max(low_bound, value - margin);
  e.ci_high = std::min(high_bound, value + margin);
  e.respondents = respondents;
  e.standard_error = standard_error;
  return e;
}

// Sales against Marketing on one dimension: a two-sample t test on the two cluster-robust standard
// errors (unequal variances), with a Bonferroni-adjusted critical value so that across the seven dimensions at most
// gap_family_error of reports show a gap that is not there.
void judge_gap(dimension_result& d) {
  if (!d.sales.shown || !d.marketing.shown) return;
  const double gap = d.sales.value - d.marketing.value;
  const double var_s = d.sales.standard_error * d.sales.standard_error;
  const double var_m = d.marketing.standard_error * d.marketing.standard_error;
  const double standard_error = std::sqrt(var_s + var_m);
  // The conservative choice of degrees of freedom (the smaller side's n − 1, never more than
  // Welch–Satterthwaite's): cluster-robust standard errors from a handful of people run small,
  // and Welch's df would then call too many gaps at 8 + 8.
  const double df = std::min(d.sales.respondents, d.marketing.respondents) - 1.0;
  const double critical = student_t_quantile(1.0 - gap_family_error / (2.0 * dimension_count), df);
  d.gap = gap;
  d.gap_ci_low = gap - critical * standard_error;
  d.gap_ci_high = gap + critical * standard_error;
  const bool clear = d.gap_ci_low > 0.0 || d.gap_ci_high < 0.0;
  d.perception_gap = clear && std::abs(gap) + 1e-9 >= perception_gap_threshold;
  d.verdict = d.perception_gap ? gap_verdict::gap : gap_verdict::no_clear_gap;
}

// Answers bucketed by week (a counting sort that keeps arrival order within a week), flattened
// to statement cells r·items + k, so one window is a contiguous slice.
struct prepared_answers {
  iso_week first_week;
  std::vector<std::uint32_t> week_begin;  // size weeks + 1
  std::vector<std::uint32_t> cell;
  std::vector<std::uint8_t> value;

  int weeks() const { return static_cast<int>(week_begin.size()) - 1; }
};

// Answers to an earlier wording of a statement are left out here, so no figure mixes wordings.
bool counts(const answer& a) { return answers_current_wording(statements()[a.item], a.wording); }

prepared_answers prepare(const survey& data) {
  prepared_answers out;
  const auto first_counted = std::find_if(data.answers.begin(), data.answers.end(), counts);
  if (first_counted == data.answers.end()) {
    out.week_begin = {0};
    return out;
  }
  iso_week lo = first_counted->week;
  iso_week hi = lo;
  std::size_t counted = 0;
  for (const answer& a : data.answers) {
    if (!counts(a)) continue;
    lo = std::min(lo, a.week);
    hi = std::max(hi, a.week);
    ++counted;
  }
  out.first_week = lo;
  const auto week_span = static_cast<std::size_t>(hi - lo) + 1;
  out.week_begin.assign(week_span + 1, 0);
  for (const answer& a : data.answers) {
    if (counts(a)) ++out.week_begin[static_cast<std::size_t>(a.week - lo) + 1];
  }
  for (std::size_t w = 1; w <= week_span; ++w) out.week_begin[w] += out.week_begin[w - 1];
  std::vector<std::uint32_t> fill(out.week_begin.begin(), out.week_begin.end() - 1);
  out.cell.resize(counted);
  out.value.resize(counted);
  for (const answer& a : data.answers) {
    if (!counts(a)) continue;
    const auto slot = fill[static_cast<std::size_t>(a.week - lo)]++;
    out.cell[slot] = a.respondent * static_cast<std::uint32_t>(items) + a.item;
    out.value[slot] = a.value;
  }
  return out;
}

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
  void collect(iso_week last, int window_weeks) {
    ++epoch_;
    touched_.clear();
    rated_.clear();
    respondents_.clear();
    dont_know_ = {};
    const int from = std::max(0, (last - prepared_.first_week) - window_weeks + 1);
    const int to = std::min(prepared_.weeks() - 1, last - prepared_.first_week);
    if (to < from) return;
    const auto begin = prepared_.week_begin[static_cast<std::size_t>(from)];
    const auto end = prepared_.week_begin[static_cast<std::size_t>(to) + 1];
    for (auto i = begin; i < end; ++i) {
      const auto c = prepared_.cell[i];
      if (cell_epoch_[c] != epoch_) {
        cell_epoch_[c] = epoch_;
        touched_.push_back(c);
      }
      cell_value_[c] = prepared_.value[i];  // arrival order: the later answer wins
    }
    sums_ = {};
    counts_ = {};
    for (const auto c : touched_) {
      const auto r = c / items;
      const auto k = c % items;
      const auto g = scope_of(data_.respondent_groups[r]);
      if (cell_value_[c] == dont_know) {
        ++dont_know_[g][k];
        continue;
      }
      rated_.push_back(c);
      const double v = cell_value_[c];
      sums_[everyone][k] += v;
      ++counts_[everyone][k];
      sums_[g][k] += v;
      ++counts_[g][k];
      if (respondent_epoch_[r] != epoch_) {
        respondent_epoch_[r] = epoch_;
        respondents_.push_back(r);
        influence_all_[r] = 0.0;
        influence_group_[r] = 0.0;
        dimension_mask_[r] = 0;
      }
      dimension_mask_[r] |= static_cast<std::uint8_t>(1U << dims_[k]);
    }
    for (std::size_t s = 0; s < scope_count; ++s) {
      for (std::size_t k = 0; k < items; ++k) means_[s][k] = counts_[s][k] ? sums_[s][k] / counts_[s][k] : 0.0;
    }
    if (population_) post_stratify();
    for (std::size_t s = 0; s < scope_count; ++s) {
      answered_statements_[s] = 0;
      double sum_of_means = 0.0;
      for (std::size_t k = 0; k < items; ++k) {
        if (counts_[s][k]) {
          ++answered_statements_[s];
          sum_of_means += means_[s][k];
        }
      }
      scores_[s] = answered_statements_[s] ? score_scale * sum_of_means / answered_statements_[s] : 0.0;
    }
  }

  // Company statement means weighted by each group's share of the members instead of its share
  // of the answers: m_k = Σ_s W_s · m_sk / Σ_s W_s over the strata that answered statement k. A
  // stratum is a group, except that pooled groups form one stratum together (their plain mean).
  void post_stratify() {
    std::array<int, scope_count> respondents_in{};
    for (const auto r : respondents_) ++respondents_in[scope_of(data_.respondent_groups[r])];
    std::array<double, scope_count> weight{};
    for (std::size_t g = 1; g < scope_count; ++g) weight[g] = std::max((*population_)[g - 1], respondents_in[g]);
    // The stratum of each group: itself, or the first pooled group for all pooled groups.
    std::array<std::size_t, scope_count> stratum{};
    std::optional<std::size_t> pool;
    for (std::size_t g = 1; g < scope_count; ++g) {
      stratum[g] = g;
      if (!pooled_[g - 1]) continue;
      if (!pool) pool = g;
      stratum[g] = *pool;
    }
    for (std::size_t k = 0; k < items; ++k) {
      std::array<double, scope_count> sum{};
      std::array<int, scope_count> count{};
      std::array<double, scope_count> stratum_weight{};
      for (std::size_t g = 1; g < scope_count; ++g) {
        sum[stratum[g]] += sums_[g][k];
        count[stratum[g]] += counts_[g][k];
        stratum_weight[stratum[g]] += weight[g];
      }
      double total = 0.0;
      for (std::size_t g = 1; g < scope_count; ++g) total += stratum[g] == g && count[g] ? stratum_weight[g] : 0.0;
      double mean = 0.0;
      for (std::size_t g = 1; g < scope_count; ++g) {
        const auto s = stratum[g];
        stratum_mean_[g][k] = count[s] ? sum[s] / count[s] : 0.0;
        stratum_count_[g][k] = count[s];
        share_[g][k] = count[s] && total > 0.0 ? stratum_weight[s] / total : 0.0;
        if (s == g) mean += share_[g][k] * stratum_mean_[g][k];
      }
      means_[everyone][k] = mean;
    }
  }

  // How far one answer moves the company mean of its statement (the linearisation's term):
  // plain mean (x − m_k) / n_k; post-stratified W_s (x − m_sk) / n_sk for the answer's stratum.
  double company_influence(std::size_t g, std::size_t k, double v) const {
    if (!population_) return (v - means_[everyone][k]) / counts_[everyone][k];
    return share_[g][k] * (v - stratum_mean_[g][k]) / stratum_count_[g][k];
  }

  // Overall score and its influence values (kept per respondent for the paired trend change).
  overall_result overall() {
    const double weight = answered_statements_[everyone] ? score_scale / answered_statements_[everyone] : 0.0;
    for (const auto c : rated_) {
      const auto r = c / items;
      const auto k = c % items;
      influence_all_[r] += weight * company_influence(scope_of(data_.respondent_groups[r]), k, cell_value_[c]);
    }
    overall_result out{scores_[everyone], 0.0, static_cast<int>(respondents_.size())};
    for (const auto r : respondents_) out.variance_sum += influence_all_[r] * influence_all_[r];
    return out;
  }

  // A token per respondent of their answers in the window (0 = not in it), independent of the
  // order answers were collected in: equal tokens, equal part in the figures.
  void fingerprints(std::vector<std::uint64_t>& out) const {
    out.assign(data_.respondent_groups.size(), 0);
    // Ratings only: "can't judge" moves no score, so it must not count as a change to one (four
    // people answering only that would otherwise hide one person's changed rating).
    for (const auto c : rated_) {
      std::uint64_t x = (static_cast<std::uint64_t>(c % items) << 8 | cell_value_[c]) + 0x9e3779b97f4a7c15ULL;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64's finaliser
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      out[c / items] += (x ^ (x >> 31)) | 1U;
    }
  }

  // Which statements the company score is the mean of: scores over different statements (e.g.
  // across a change of the instrument) differ by composition, not by what people think.
  std::uint64_t statements_scored() const {
    std::uint64_t mask = 0;
    for (std::size_t k = 0; k < items; ++k) mask |= counts_[everyone][k] ? std::uint64_t{1} << k : 0;
    return mask;
  }

  double influence(std::uint32_t r) const {
    return respondent_epoch_[r] == epoch_ ? influence_all_[r] : 0.0;
  }
  const std::vector<std::uint32_t>& respondents() const { return respondents_; }

  // Group scores and dimension figures; call after collect() (and overall(), which it reuses).
  void details(report& out) {
    std::array<double, scope_count> group_weight{};
    for (std::size_t s = 1; s < scope_count; ++s) {
      group_weight[s] = answered_statements_[s] ? score_scale / answered_statements_[s] : 0.0;
    }
    // Statements answered per dimension and scope, for the dimension means.
    std::array<std::array<int, dimension_count>, scope_count> dim_statements{};
    std::array<std::array<double, dimension_count>, scope_count> dim_sum{};
    for (std::size_t s = 0; s < scope_count; ++s) {
      for (std::size_t k = 0; k < items; ++k) {
        if (!counts_[s][k]) continue;
        ++dim_statements[s][dims_[k]];
        dim_sum[s][dims_[k]] += means_[s][k];
      }
    }
    dimension_influence_.assign(data_.respondent_groups.size() * dimension_count * 2, 0.0);
    for (const auto c : rated_) {
      const auto r = c / items;
      const auto k = c % items;
      const auto d = dims_[k];
      const auto g = scope_of(data_.respondent_groups[r]);
      const double v = cell_value_[c];
      influence_group_[r] += group_weight[g] * (v - means_[g][k]) / counts_[g][k];
      auto* dim_influence = &dimension_influence_[(r * dimension_count + d) * 2];
      dim_influence[0] += company_influence(g, k, v) / dim_statements[everyone][d];
      dim_influence[1] += (v - means_[g][k]) / counts_[g][k] / dim_statements[g][d];
    }
    std::array<double, scope_count> group_variance{};
    std::array<int, scope_count> group_respondents{};
    std::array<std::array<double, dimension_count>, scope_count> dim_variance{};
    std::array<std::array<int, dimension_count>, scope_count> dim_respondents{};
    for (const auto r : respondents_) {
      const auto g = scope_of(data_.respondent_groups[r]);
      group_variance[g] += influence_group_[r] * influence_group_[r];
      ++group_respondents[g];
      for (std::size_t d = 0; d < dimension_count; ++d) {
        if (!(dimension_mask_[r] & (1U << d))) continue;
        const auto* dim_influence = &dimension_influence_[(r * dimension_count + d) * 2];
        dim_variance[everyone][d] += dim_influence[0] * dim_influence[0];
        ++dim_respondents[everyone][d];
        dim_variance[g][d] += dim_influence[1] * dim_influence[1];
        ++dim_respondents[g][d];
      }
    }
    for (const group grp : all_groups) {
      const auto s = scope_of(grp);
      out.groups[s - 1] = make_estimate(scores_[s], group_variance[s], group_respondents[s],
                                        min_group_size_, lowest_score, highest_score, score_scale);
      out.cells.groups[s - 1] = group_respondents[s];
      for (std::size_t d = 0; d < dimension_count; ++d) out.cells.by_group_dimension[s - 1][d] = dim_respondents[s][d];
    }
    out.cells.all = static_cast<int>(respondents_.size());
    for (std::size_t d = 0; d < dimension_count; ++d) out.cells.all_by_dimension[d] = dim_respondents[everyone][d];
    const auto dim_estimate = [&](std::size_t s, std::size_t d) {
      if (!dim_statements[s][d]) return estimate{};
      return make_estimate(dim_sum[s][d] / dim_statements[s][d], dim_variance[s][d],
                           dim_respondents[s][d], min_group_size_, lowest_rating, highest_rating, 1.0);
    };
    for (std::size_t d = 0; d < dimension_count; ++d) {
      auto& result = out.dimensions[d];
      result.dim = static_cast<dimension>(d);
      result.mean = dim_estimate(everyone, d);
      result.sales = dim_estimate(scope_of(group::sales), d);
      result.marketing = dim_estimate(scope_of(group::marketing), d);
      judge_gap(result);
    }
    dont_knows(out);
  }

  // Per group and statement, how many latest answers were "don't know"; the frequent ones on a
  // side whose figure for the statement's dimension is shown are findings.
  void dont_knows(report& out) const {
    for (const group grp : all_groups) {
      const auto s = scope_of(grp);
      for (std::size_t k = 0; k < items; ++k) {
        out.dont_knows[s - 1][k] = {counts_[s][k] + dont_know_[s][k], dont_know_[s][k]};
      }
    }
    out.dont_know_findings.clear();
    for (const group side : {group::sales, group::marketing}) {
      for (std::size_t k = 0; k < items; ++k) {
        const auto& count = out.dont_knows[static_cast<std::size_t>(side)][k];
        const auto& figures = out.dimensions[dims_[k]];
        const bool side_shown = side == group::sales ? figures.sales.shown : figures.marketing.shown;
        if (!side_shown || count.answered < min_group_size_ || count.dont_know == 0) continue;
        const double share = static_cast<double>(count.dont_know) / count.answered;
        if (share + 1e-9 >= frequent_dont_know_share) {
          out.dont_know_findings.push_back({static_cast<std::uint8_t>(k), side, share, false, count.answered});
        }
      }
    }
  }

  // Each respondent's latest answers in the window, for release control.
  void contributions(std::vector<contribution>& out) const {
    // Everyone with an answer in the window, also those whose only answers are "don't know".
    out.clear();
    out.reserve(respondents_.size());
    constexpr auto none = static_cast<std::size_t>(-1);
    std::vector<std::size_t> slot(data_.respondent_groups.size(), none);
    for (const auto c : touched_) {
      const auto r = static_cast<std::uint32_t>(c / items);
      if (slot[r] == none) {
        slot[r] = out.size();
        out.push_back({r, data_.respondent_groups[r], {}});
      }
      out[slot[r]].values[c % items] = cell_value_[c];
    }
  }

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
