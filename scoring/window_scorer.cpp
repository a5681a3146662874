#include "scoring/window_scorer.hpp"

#include <algorithm>
#include <cmath>

#include "scoring/statistics.hpp"

namespace smrel::scoring::detail {
namespace {

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

// Answers to an earlier wording of a statement are left out here, so no figure mixes wordings.
bool counts(const answer& a) { return answers_current_wording(statements()[a.item], a.wording); }

}  // namespace

std::array<std::uint8_t, statement_count> statement_dimensions() {
  std::array<std::uint8_t, statement_count> dims{};
  for (std::size_t k = 0; k < statement_count; ++k) {
    dims[k] = static_cast<std::uint8_t>(statements()[k].dim);
  }
  return dims;
}

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

void window_scorer::collect(iso_week last, int window_weeks) {
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

void window_scorer::post_stratify() {
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

double window_scorer::company_influence(std::size_t g, std::size_t k, double v) const {
  if (!population_) return (v - means_[everyone][k]) / counts_[everyone][k];
  return share_[g][k] * (v - stratum_mean_[g][k]) / stratum_count_[g][k];
}

window_scorer::overall_result window_scorer::overall() {
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

void window_scorer::fingerprints(std::vector<std::uint64_t>& out) const {
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

double window_scorer::influence(std::uint32_t r) const {
  return respondent_epoch_[r] == epoch_ ? influence_all_[r] : 0.0;
}

void window_scorer::details(report& out) {
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

void window_scorer::dont_knows(report& out) const {
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

void window_scorer::contributions(std::vector<contribution>& out) const {
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

}  // namespace smrel::scoring::detail
