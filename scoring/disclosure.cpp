#include "scoring/disclosure.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace smrel::scoring {
namespace {

constexpr std::size_t sales = static_cast<std::size_t>(group::sales);
constexpr std::size_t marketing = static_cast<std::size_t>(group::marketing);
// Groups whose dimension means are published (the two sides of the relationship).
constexpr std::array<std::size_t, 2> sides{sales, marketing};

// A count that exposes a small group: some people, but fewer than the minimum.
bool exposes(int people, int min_group_size) { return people > 0 && people < min_group_size; }

void withhold(estimate& e, withheld why) {
  if (!e.shown) return;
  e = estimate{};
  e.why = why;
}

// The group to withhold next when the people left out are too few: the ones a Sales–Marketing
// tool needs least first, then the smaller side. Nullopt when no group is shown.
std::optional<std::size_t> next_group_to_withhold(const report& r, const cell_counts& cells) {
  for (const auto g : {group::other, group::leadership}) {
    if (r.group_score(g).shown) return static_cast<std::size_t>(g);
  }
  const bool s = r.groups[sales].shown;
  const bool m = r.groups[marketing].shown;
  if (s && m) return cells.groups[marketing] <= cells.groups[sales] ? marketing : sales;
  if (s) return sales;
  if (m) return marketing;
  return std::nullopt;
}

// A dimension nobody answered is not part of any score, so it cannot be worked out from one: "all
// shown" means all that anybody answered, and at least one.
bool group_dimensions_shown(const report& r, std::size_t g) {
  bool any = false;
  for (std::size_t d = 0; d < dimension_count; ++d) {
    const bool shown = (g == sales ? r.dimensions[d].sales : r.dimensions[d].marketing).shown;
    if (!shown && r.cells.by_group_dimension[g][d] > 0) return false;
    any = any || shown;
  }
  return any;
}

bool dimensions_shown(const report& r) {
  bool any = false;
  for (std::size_t d = 0; d < dimension_count; ++d) {
    if (!r.dimensions[d].mean.shown && r.cells.all_by_dimension[d] > 0) return false;
    any = any || r.dimensions[d].mean.shown;
  }
  return any;
}

void withhold_group_dimensions(report& r, std::size_t g, withheld why) {
  for (auto& d : r.dimensions) withhold(g == sales ? d.sales : d.marketing, why);
}

void withhold_dimensions(report& r, withheld why) {
  for (auto& d : r.dimensions) withhold(d.mean, why);
  for (const auto g : sides) withhold_group_dimensions(r, g, why);
}

// A group's dimension means only with its score; any dimension means only all together.
}  // namespace

void withhold_findings_of_hidden_sides(report& r) {
  std::erase_if(r.dont_know_findings, [&](const dont_know_finding& f) {
    const auto& side = r.groups[static_cast<std::size_t>(f.side)];
    return !side.shown && side.why != withheld::too_few_changed;
  });
}

namespace {

void keep_consistent(report& r) {
  if (!dimensions_shown(r)) withhold_dimensions(r, withheld::combination);
  for (const auto g : sides) {
    if (!r.groups[g].shown || !group_dimensions_shown(r, g)) withhold_group_dimensions(r, g, withheld::combination);
  }
  withhold_findings_of_hidden_sides(r);
  for (auto& d : r.dimensions) {
    if (d.sales.shown && d.marketing.shown) continue;
    d.gap.reset();
    d.gap_ci_low = d.gap_ci_high = 0.0;
    d.verdict = gap_verdict::too_few_to_tell;
    d.perception_gap = false;
  }
}

void withhold_everything(report& r, withheld why) {
  const int head_count = r.score.respondents;
  withhold(r.score, why);
  r.score.respondents = head_count;  // a head count of the whole company reveals no answer
  r.shown_stage.reset();
  for (auto& g : r.groups) withhold(g, why);
  withhold_dimensions(r, why);
  r.overall_change = trend_point{};
  if (!r.trend.empty()) {
    auto& last = r.trend.back();
    withhold(last.score, why);
    last.score.respondents = head_count;
    last.change = trend_change::none;
    last.delta = 0.0;
  }
  keep_consistent(r);
}

// How two releases differ, person by person.
struct person_change {
  const person_token* before = nullptr;
  const person_token* after = nullptr;

  bool in(std::size_t g) const {
    return (before && static_cast<std::size_t>(before->in) == g) || (after && static_cast<std::size_t>(after->in) == g);
  }
  bool moved() const { return before && after && before->in != after->in; }
  static std::uint64_t on(const person_token* p, std::size_t d) { return p ? p->dimensions[d] : 0; }
  // Joined, left or answered differently on dimension d, or moved team while in it.
  bool changed_on(std::size_t d) const { return on(before, d) != on(after, d) || (moved() && (on(before, d) || on(after, d))); }
  // Anything about their part in the company's figures.
  bool changed() const { return !before || !after || !(*before == *after); }
};

std::vector<person_change> differences(std::span<const person_token> now, std::span<const person_token> earlier) {
  std::unordered_map<std::uint64_t, person_change> by_person;
  by_person.reserve(now.size() + earlier.size());
  for (const auto& p : earlier) by_person[p.person].before = &p;
  for (const auto& p : now) by_person[p.person].after = &p;
  std::vector<person_change> out;
  for (const auto& [id, change] : by_person) {
    if (change.changed()) out.push_back(change);
  }
  return out;
}

// Membership changes not covered by the groups shown in both releases: what the company figure's
// change minus those groups' changes is about.
int uncovered(const std::vector<person_change>& changes, const std::array<bool, group_count>& covered,
              std::optional<std::size_t> on_dimension) {
  int count = 0;
  for (const auto& c : changes) {
    if (on_dimension && !c.changed_on(*on_dimension)) continue;
    const bool before_covered = !c.before || covered[static_cast<std::size_t>(c.before->in)];
    const bool after_covered = !c.after || covered[static_cast<std::size_t>(c.after->in)];
    if (!before_covered || !after_covered) ++count;
  }
  return count;
}

// Figures known from earlier releases: a group (or a side's mean on a dimension) shown in some
// earlier release and unchanged since is known now, whichever release showed it.
struct known_figures {
  std::array<bool, group_count> groups{};
  std::array<std::array<bool, dimension_count>, group_count> side_dimensions{};
};

// A group nobody in it changed since `earlier` has the same figure in both releases: shown in one,
// it is as good as shown in the other. So both releases' "company minus the groups known" must
// still be 0 or at least min_group_size people: this release's company with the groups shown now
// or earlier-and-unchanged, and the earlier company with the groups shown then or now-and-
// unchanged. Withholds groups shown now until both hold, and the same for each side's dimension
// means on every dimension. False when even withholding every group cannot help (the company
// figure itself would isolate the rest).
bool still_valid_figures_hide_small_groups(report& r, const std::vector<person_change>& changes,
                                           const release_shape& earlier, const known_figures& known) {
  const int k = r.min_group_size;
  std::array<int, group_count> changed{};
  std::array<std::array<int, dimension_count>, group_count> changed_on{};
  for (const auto& c : changes) {
    for (std::size_t g = 0; g < group_count; ++g) {
      if (!c.in(g)) continue;
      ++changed[g];
      for (std::size_t d = 0; d < dimension_count; ++d) changed_on[g][d] += c.changed_on(d) ? 1 : 0;
    }
  }
  std::array<int, group_count> then{};
  std::array<std::array<int, dimension_count>, group_count> then_on{};
  std::array<int, dimension_count> then_all_on{};
  for (const auto& p : earlier.people) {
    const auto g = static_cast<std::size_t>(p.in);
    ++then[g];
    for (std::size_t d = 0; d < dimension_count; ++d) {
      if (p.dimensions[d] == 0) continue;
      ++then_on[g][d];
      ++then_all_on[d];
    }
  }

  // Scores.
  for (;;) {
    int left_now = 0;
    int left_then = 0;
    std::optional<std::size_t> completes_then;  // shown now, unchanged, not shown then
    std::optional<std::size_t> shown_not_pinned;  // shown now, not known from then
    for (std::size_t g = 0; g < group_count; ++g) {
      const bool unchanged = changed[g] == 0;
      const bool pinned = known.groups[g];
      if (!r.groups[g].shown && !pinned) left_now += r.cells.groups[g];
      if (!earlier.groups[g] && !(r.groups[g].shown && unchanged)) left_then += then[g];
      if (r.groups[g].shown && unchanged && !earlier.groups[g]) completes_then = g;
      if (r.groups[g].shown && !pinned && (!shown_not_pinned || r.cells.groups[g] < r.cells.groups[*shown_not_pinned])) {
        shown_not_pinned = g;
      }
    }
    if (!exposes(left_now, k) && !exposes(left_then, k)) break;
    const auto g = exposes(left_then, k) && completes_then ? completes_then : shown_not_pinned;
    if (!g) return false;
    withhold(r.groups[*g], withheld::combination);
  }
  keep_consistent(r);

  // Each side's dimension means, per dimension, against the company's dimension means.
  if (!dimensions_shown(r)) return true;
  for (;;) {
    std::optional<std::size_t> to_withhold;
    for (std::size_t d = 0; d < dimension_count && !to_withhold; ++d) {
      int left_now = r.cells.all_by_dimension[d];
      int left_then = then_all_on[d];
      for (const auto g : sides) {
        const bool unchanged = changed_on[g][d] == 0;
        const bool shown_now = group_dimensions_shown(r, g);
        const bool pinned = known.side_dimensions[g][d];
        if (shown_now || pinned) left_now -= r.cells.by_group_dimension[g][d];
        if (earlier.group_dimensions[g] || (shown_now && unchanged)) left_then -= then_on[g][d];
      }
      if (!exposes(left_now, k) && !(earlier.dimensions && exposes(left_then, k))) continue;
      for (const auto g : sides) {
        if (group_dimensions_shown(r, g) && !known.side_dimensions[g][d]) to_withhold = g;
      }
      if (!to_withhold) {
        withhold_dimensions(r, withheld::combination);
        return true;
      }
    }
    if (!to_withhold) break;
    withhold_group_dimensions(r, *to_withhold, withheld::combination);
  }
  keep_consistent(r);
  return true;
}

void control_against(report& r, const std::vector<person_change>& changes, const release_shape& earlier,
                     const known_figures& known) {
  const int k = r.min_group_size;
  if (exposes(static_cast<int>(changes.size()), k)) {
    withhold_everything(r, withheld::too_few_changed);
    return;
  }
  // Each group against its own earlier figure.
  for (std::size_t g = 0; g < group_count; ++g) {
    if (!r.groups[g].shown || !earlier.groups[g]) continue;
    const auto n = std::count_if(changes.begin(), changes.end(), [&](const person_change& c) { return c.in(g); });
    if (exposes(static_cast<int>(n), k)) withhold(r.groups[g], withheld::too_few_changed);
  }
  // The company's change minus the changes of groups shown both times.
  for (;;) {
    std::array<bool, group_count> both{};
    for (std::size_t g = 0; g < group_count; ++g) both[g] = r.groups[g].shown && earlier.groups[g];
    if (!exposes(uncovered(changes, both, std::nullopt), k)) break;
    const auto next = next_group_to_withhold(r, r.cells);
    if (!next) break;
    withhold(r.groups[*next], withheld::too_few_changed);
  }
  keep_consistent(r);
  if (!still_valid_figures_hide_small_groups(r, changes, earlier, known)) {
    withhold_everything(r, withheld::combination);
    return;
  }

  if (dimensions_shown(r) && earlier.dimensions) {
    for (std::size_t d = 0; d < dimension_count; ++d) {
      const auto n = std::count_if(changes.begin(), changes.end(), [&](const person_change& c) { return c.changed_on(d); });
      if (exposes(static_cast<int>(n), k)) {
        withhold_dimensions(r, withheld::too_few_changed);
        break;
      }
    }
  }
  for (const auto g : sides) {
    if (!group_dimensions_shown(r, g) || !earlier.group_dimensions[g]) continue;
    for (std::size_t d = 0; d < dimension_count; ++d) {
      const auto n = std::count_if(changes.begin(), changes.end(),
                                   [&](const person_change& c) { return c.in(g) && c.changed_on(d); });
      if (exposes(static_cast<int>(n), k)) {
        withhold_group_dimensions(r, g, withheld::too_few_changed);
        break;
      }
    }
  }
  for (;;) {
    std::array<bool, group_count> both{};
    for (const auto g : sides) both[g] = group_dimensions_shown(r, g) && earlier.group_dimensions[g];
    if (!both[sales] && !both[marketing]) break;
    bool exposed = false;
    for (std::size_t d = 0; d < dimension_count && !exposed; ++d) exposed = exposes(uncovered(changes, both, d), k);
    if (!exposed) break;
    const std::size_t smaller = !both[sales] ? marketing
                                : !both[marketing] ? sales
                                : (r.cells.groups[marketing] <= r.cells.groups[sales] ? marketing : sales);
    withhold_group_dimensions(r, smaller, withheld::too_few_changed);
  }
  keep_consistent(r);
}

// Rounding to 1 / `per_unit` by dividing (not multiplying by 0.1), so 3.3 prints as 3.3.
double round_to(double value, double per_unit) { return std::round(value * per_unit) / per_unit; }
double round_up(double value, double per_unit) { return std::ceil(value * per_unit - 1e-9) / per_unit; }

// The published interval is the rounded value ± a rounded-up half-width that still covers the
// exact interval: rounding the two ends separately would let their midpoint give back the
// precision the value's rounding took away.
void round_interval(double value, double rounded, double& low, double& high, double per_unit, double low_bound,
                    double high_bound) {
  const double half = round_up(std::max(value - low, high - value) + std::abs(value - rounded), per_unit);
  low = std::max(low_bound, rounded - half);
  high = std::min(high_bound, rounded + half);
}

void round_estimate(estimate& e, double per_unit, double low_bound, double high_bound) {
  e.standard_error = 0.0;
  if (!e.shown) return;
  const double rounded = round_to(e.value, per_unit);
  round_interval(e.value, rounded, e.ci_low, e.ci_high, per_unit, low_bound, high_bound);
  e.value = rounded;
}

void round_score(estimate& e) { round_estimate(e, 1.0, lowest_score, highest_score); }
void round_mean(estimate& e) { round_estimate(e, 10.0, lowest_rating, highest_rating); }

}  // namespace

std::string_view withheld_id(withheld why) {
  switch (why) {
    case withheld::no: break;
    case withheld::too_few: return "too_few_people";
    case withheld::combination: return "would_reveal_a_smaller_group";
    case withheld::too_few_changed: return "too_few_people_changed";
  }
  return {};
}

void withhold_combinations(report& r) {
  const int k = r.min_group_size;
  if (!r.score.shown) {
    for (auto& g : r.groups) withhold(g, withheld::too_few);
    withhold_dimensions(r, withheld::too_few);
    keep_consistent(r);
    return;
  }
  // The people in groups not shown, on the score …
  for (;;) {
    int left_out = 0;
    for (std::size_t g = 0; g < group_count; ++g) left_out += r.groups[g].shown ? 0 : r.cells.groups[g];
    if (!exposes(left_out, k)) break;
    const auto next = next_group_to_withhold(r, r.cells);
    if (!next) break;
    withhold(r.groups[*next], withheld::combination);
  }
  keep_consistent(r);
  // … and on every dimension, where the groups without shown dimension means are left out.
  for (;;) {
    bool exposed = false;
    for (std::size_t d = 0; d < dimension_count && !exposed; ++d) {
      int left_out = r.cells.all_by_dimension[d];
      for (const auto g : sides) left_out -= group_dimensions_shown(r, g) ? r.cells.by_group_dimension[g][d] : 0;
      exposed = exposes(left_out, k);
    }
    if (!exposed) break;
    const bool s = group_dimensions_shown(r, sales);
    const bool m = group_dimensions_shown(r, marketing);
    if (!s && !m) break;
    const std::size_t smaller = !s ? marketing : !m ? sales : (r.cells.groups[marketing] <= r.cells.groups[sales] ? marketing : sales);
    withhold_group_dimensions(r, smaller, withheld::combination);
  }
  keep_consistent(r);
}

void withhold_small_changes(report& r, std::span<const person_token> now, std::span<const release_shape> earlier) {
  std::vector<std::vector<person_change>> changes;
  changes.reserve(earlier.size());
  known_figures known;
  for (const auto& release : earlier) {
    changes.push_back(differences(now, release.people));
    for (std::size_t g = 0; g < group_count; ++g) {
      const bool untouched = std::none_of(changes.back().begin(), changes.back().end(), [&](const person_change& c) { return c.in(g); });
      known.groups[g] = known.groups[g] || (release.groups[g] && untouched);
      if (!release.group_dimensions[g]) continue;
      for (std::size_t d = 0; d < dimension_count; ++d) {
        const bool same = std::none_of(changes.back().begin(), changes.back().end(),
                                       [&](const person_change& c) { return c.in(g) && c.changed_on(d); });
        known.side_dimensions[g][d] = known.side_dimensions[g][d] || same;
      }
    }
  }
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (!r.score.shown) return;
    if (!earlier[i].score) continue;
    control_against(r, changes[i], earlier[i], known);
  }
}

void round_for_publication(report& r) {
  round_score(r.score);
  for (auto& g : r.groups) round_score(g);
  for (auto& d : r.dimensions) {
    round_mean(d.mean);
    round_mean(d.sales);
    round_mean(d.marketing);
    if (d.gap) {
      const double exact = *d.gap;
      d.gap = round_to(d.sales.value - d.marketing.value, 10.0);
      round_interval(exact, *d.gap, d.gap_ci_low, d.gap_ci_high, 10.0, -4.0, 4.0);
    }
  }
  for (std::size_t i = 0; i < r.trend.size(); ++i) {
    auto& p = r.trend[i];
    round_score(p.score);
    if (p.change != trend_change::none && i > 0) p.delta = p.score.value - r.trend[i - 1].score.value;
  }
  round_score(r.overall_change.score);
  if (r.overall_change.change != trend_change::none) r.overall_change.delta = r.score.value - r.overall_change.score.value;
  for (auto& f : r.dont_know_findings) {
    f.share = round_to(f.share, 10.0);
    // At most what one person fewer would give: "80% or more" of five is four or five of them.
    const double most = std::floor((1.0 - 1.0 / std::max(f.answered, 1)) * 10.0 + 1e-9) / 10.0;
    if (f.share > most + 1e-9) {
      f.share = most;
      f.at_least = true;
    }
    f.answered = 0;
  }
}

report build_published_report(const survey& data, const scoring_options& options) {
  auto controlled = options;
  controlled.control_trend_changes = true;
  auto r = build_report(data, controlled);
  withhold_combinations(r);
  round_for_publication(r);
  return r;
}

std::string dimension_answers(const contribution& c, std::size_t d) {
  std::string out;
  for (std::size_t k = 0; k < statement_count; ++k) {
    if (c.values[k] == 0 || c.values[k] == dont_know || static_cast<std::size_t>(statements()[k].dim) != d) continue;
    if (!out.empty()) out += ',';
    out += std::string(statements()[k].id) + '=' + static_cast<char>('0' + c.values[k]);
  }
  return out;
}

release_shape shape_of(const report& r, std::vector<person_token> people) {
  release_shape out;
  out.score = r.score.shown;
  for (std::size_t g = 0; g < group_count; ++g) out.groups[g] = r.groups[g].shown;
  out.dimensions = r.score.shown && dimensions_shown(r);
  for (const auto g : sides) out.group_dimensions[g] = r.groups[g].shown && group_dimensions_shown(r, g);
  out.people = std::move(people);
  return out;
}

}  // namespace smrel::scoring
