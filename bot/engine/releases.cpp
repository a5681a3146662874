#include "bot/engine/releases.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "bot/engine/summary.hpp"

namespace smrel::engine {
namespace {

using json = nlohmann::json;

// Never release more weeks in one go than this (ten years): a bound on work for a workspace
// whose first answer is far in the past.
constexpr int max_weeks_per_catch_up = 520;

json encode(const scoring::estimate& e) {
  if (!e.shown) return json{{"why", static_cast<int>(e.why)}, {"n", e.respondents}};
  return json{{"v", e.value}, {"lo", e.ci_low}, {"hi", e.ci_high}, {"n", e.respondents}};
}

scoring::estimate decode_estimate(const json& j) {
  scoring::estimate e;
  e.respondents = j.at("n").get<int>();
  if (j.contains("why")) {
    e.why = static_cast<scoring::withheld>(j.at("why").get<int>());
    return e;
  }
  e.shown = true;
  e.why = scoring::withheld::no;
  e.value = j.at("v").get<double>();
  e.ci_low = j.at("lo").get<double>();
  e.ci_high = j.at("hi").get<double>();
  return e;
}

scoring::iso_week week_of(const json& j) {
  const auto week = scoring::iso_week::parse(j.get<std::string>());
  if (!week) throw std::invalid_argument("release: not an ISO week");
  return *week;
}

json encode(const scoring::trend_point& p) {
  return json{{"week", p.week.to_string()}, {"score", encode(p.score)}, {"change", static_cast<int>(p.change)}, {"delta", p.delta}};
}

scoring::trend_point decode_point(const json& j) {
  scoring::trend_point p;
  p.week = week_of(j.at("week"));
  p.score = decode_estimate(j.at("score"));
  p.change = static_cast<scoring::trend_change>(j.at("change").get<int>());
  p.delta = j.at("delta").get<double>();
  return p;
}

std::string hex64(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::uint64_t parse_hex64(std::string_view text) {
  std::uint64_t out = 0;
  for (const char c : text) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) throw std::invalid_argument("release people: not hex");
    out = (out << 4) | static_cast<std::uint64_t>(digit);
  }
  return out;
}

}  // namespace

std::string encode_release(const release& r) {
  const auto& rep = r.report;
  json doc;
  doc["as_of"] = rep.as_of.to_string();
  doc["window_weeks"] = rep.window_weeks;
  doc["min_group_size"] = rep.min_group_size;
  doc["score"] = encode(rep.score);
  doc["groups"] = json::array();
  for (const auto& g : rep.groups) doc["groups"].push_back(encode(g));
  doc["dimensions"] = json::array();
  for (const auto& d : rep.dimensions) {
    json item{{"mean", encode(d.mean)}, {"sales", encode(d.sales)}, {"marketing", encode(d.marketing)},
              {"verdict", static_cast<int>(d.verdict)}};
    if (d.gap) item["gap"] = json::array({*d.gap, d.gap_ci_low, d.gap_ci_high});
    doc["dimensions"].push_back(std::move(item));
  }
  doc["point"] = encode(rep.trend.empty() ? scoring::trend_point{rep.as_of, rep.score, {}, 0.0} : rep.trend.back());
  if (rep.overall_change.change != scoring::trend_change::none) doc["since"] = encode(rep.overall_change);
  if (rep.shown_stage) doc["shown_stage"] = static_cast<int>(*rep.shown_stage);
  if (r.stage_label) doc["stage_label"] = static_cast<int>(*r.stage_label);
  if (r.dont_know_block) doc["dont_know_block"] = true;
  if (!rep.dont_know_findings.empty()) {
    doc["dont_know"] = json::array();
    for (const auto& f : rep.dont_know_findings) {
      doc["dont_know"].push_back({scoring::statements()[f.item].id, scoring::group_id(f.side), f.share, f.at_least});
    }
  }
  doc["follow_ups"] = json::array();
  for (const auto& f : r.follow_ups) {
    doc["follow_ups"].push_back({{"nudge", f.what->id}, {"asked", f.asked.to_string()}, {"n", f.respondents},
                                 {"mean", f.mean}, {"shown", f.shown}});
  }
  return doc.dump();
}

release decode_release(std::string_view figures) {
  const auto doc = json::parse(figures);
  release out;
  auto& rep = out.report;
  rep.as_of = week_of(doc.at("as_of"));
  rep.window_weeks = doc.at("window_weeks").get<int>();
  rep.min_group_size = doc.at("min_group_size").get<int>();
  rep.score = decode_estimate(doc.at("score"));
  for (std::size_t g = 0; g < scoring::group_count; ++g) rep.groups[g] = decode_estimate(doc.at("groups").at(g));
  for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
    const auto& item = doc.at("dimensions").at(d);
    auto& dim = rep.dimensions[d];
    dim.dim = static_cast<scoring::dimension>(d);
    dim.mean = decode_estimate(item.at("mean"));
    dim.sales = decode_estimate(item.at("sales"));
    dim.marketing = decode_estimate(item.at("marketing"));
    dim.verdict = static_cast<scoring::gap_verdict>(item.at("verdict").get<int>());
    dim.perception_gap = dim.verdict == scoring::gap_verdict::gap;
    if (item.contains("gap")) {
      dim.gap = item.at("gap").at(0).get<double>();
      dim.gap_ci_low = item.at("gap").at(1).get<double>();
      dim.gap_ci_high = item.at("gap").at(2).get<double>();
    }
  }
  rep.trend.push_back(decode_point(doc.at("point")));
  if (doc.contains("since")) rep.overall_change = decode_point(doc.at("since"));
  if (doc.contains("shown_stage")) rep.shown_stage = static_cast<scoring::stage>(doc.at("shown_stage").get<int>());
  if (doc.contains("stage_label")) out.stage_label = static_cast<scoring::stage>(doc.at("stage_label").get<int>());
  out.dont_know_block = doc.contains("dont_know_block") && doc.at("dont_know_block").get<bool>();
  if (doc.contains("dont_know")) {
    for (const auto& f : doc.at("dont_know")) {
      const auto item = scoring::statement_index(f.at(0).get<std::string>());
      const auto side = scoring::parse_group(f.at(1).get<std::string>());
      if (!item || !side) throw std::invalid_argument("release: bad don't-know finding");
      rep.dont_know_findings.push_back({static_cast<std::uint8_t>(*item), *side, f.at(2).get<double>(), f.at(3).get<bool>(), 0});
    }
  }
  for (const auto& f : doc.at("follow_ups")) {
    const auto* what = scoring::find_nudge(f.at("nudge").get<std::string>());
    if (!what) continue;  // a nudge since retired from the playbook
    out.follow_ups.push_back({what, week_of(f.at("asked")), f.at("n").get<int>(),
                              f.at("mean").get<double>(), f.at("shown").get<bool>()});
  }
  return out;
}

// Fixed width: person token, group digit, one token per dimension, all hex; ';' between people.
std::string encode_people(const std::vector<scoring::person_token>& people) {
  std::string out;
  out.reserve(people.size() * (18 + 16 * scoring::dimension_count));
  for (const auto& p : people) {
    if (!out.empty()) out += ';';
    out += hex64(p.person);
    out += static_cast<char>('0' + static_cast<int>(p.in));
    for (const auto t : p.dimensions) out += hex64(t);
  }
  return out;
}

std::vector<scoring::person_token> decode_people(std::string_view text) {
  constexpr std::size_t width = 16 + 1 + 16 * scoring::dimension_count;
  std::vector<scoring::person_token> out;
  while (!text.empty()) {
    const auto end = std::min(text.find(';'), text.size());
    const auto one = text.substr(0, end);
    if (one.size() != width) throw std::invalid_argument("release people: bad width");
    scoring::person_token p;
    p.person = parse_hex64(one.substr(0, 16));
    const int g = one[16] - '0';
    if (g < 0 || g >= static_cast<int>(scoring::group_count)) throw std::invalid_argument("release people: bad group");
    p.in = static_cast<scoring::group>(g);
    for (std::size_t d = 0; d < scoring::dimension_count; ++d) p.dimensions[d] = parse_hex64(one.substr(17 + 16 * d, 16));
    out.push_back(p);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

bool ends_dont_know_block(scoring::iso_week week, int window_weeks) {
  const int position = (week.index + 1) % window_weeks;
  return position == 0;
}

release_ledger::release_ledger(storage::store& store, const domain::pseudonymizer& pseudonyms,
                               const calendar& company_calendar, const config::survey_settings& survey)
    : store_(store), pseudonyms_(pseudonyms), calendar_(company_calendar), survey_(survey) {}

scoring::iso_week release_ledger::last_closed_week(domain::time_point now) const {
  auto week = calendar_.week_of(now);
  while (calendar_.pulse_closes(week) > now) week = week - 1;
  return week;
}

void release_ledger::catch_up(const domain::workspace_ref& workspace, domain::time_point now) {
  const auto last_closed = last_closed_week(now);
  const auto latest = store_.latest_release(workspace);
  if (latest && *latest >= last_closed) return;
  std::lock_guard lock(mutex_);
  std::optional<scoring::iso_week> from;
  if (const auto again = store_.latest_release(workspace)) {
    from = *again + 1;
  } else {
    from = store_.first_answer_week(workspace);
  }
  if (!from || *from > last_closed) return;
  from = std::max(*from, last_closed - (max_weeks_per_catch_up - 1));
  for (auto week = *from; week <= last_closed; week = week + 1) {
    std::vector<scoring::person_token> people;
    const auto made = release_week(workspace, week, people);
    store_.save_release({workspace, week, now, encode_release(made), encode_people(people)});
  }
  store_.prune_release_people(workspace, last_closed - (comparison_weeks() - 1));
}

std::vector<release> release_ledger::published(const domain::workspace_ref& workspace, scoring::iso_week from,
                                               scoring::iso_week to) {
  std::vector<release> out;
  for (const auto& record : store_.releases(workspace, from, to)) {
    // A row that cannot be read (written by a newer version, or damaged) is skipped rather than
    // taking every status and digest down with it; the weeks around it still show.
    try {
      out.push_back(decode_release(record.figures));
    } catch (const std::exception&) {
      continue;
    }
  }
  return out;
}

release release_ledger::release_week(const domain::workspace_ref& workspace, scoring::iso_week week,
                                     std::vector<scoring::person_token>& people) {
  auto options = scoring_options_from(survey_, week);
  options.keep_contributions = true;
  // Teams count by their members, not by who answered (post-stratification).
  std::array<int, scoring::group_count> members{};
  for (const auto& m : store_.members(workspace)) {
    // Guests, externals and bots are not in any team's count: their answers are not kept.
    members[static_cast<std::size_t>(m.group)] += m.opted_out || m.kind != domain::person_kind::person ? 0 : 1;
  }
  options.population = members;
  std::vector<std::string> names;
  const auto data = to_survey(store_.answers(workspace, week - (options.window_weeks + options.trend_weeks - 2), week), &names);
  release out;
  auto& r = out.report;
  r = scoring::build_report(data, options);

  // Who is behind the figures, and a token of their ratings per dimension: keyed, so the stored
  // release holds no answers and no pseudonym that could be joined with anything else. Someone
  // who only answered "can't judge" is behind no figure, and must not pad the count of people
  // who changed one.
  for (const auto& c : r.contributions) {
    const auto& name = names[c.respondent];
    scoring::person_token t{pseudonyms_.token("release-person", name, ""), c.in, {}};
    bool rated = false;
    for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
      const auto answers = scoring::dimension_answers(c, d);
      t.dimensions[d] = answers.empty() ? 0 : pseudonyms_.token("release-answers", name, std::to_string(d) + ':' + answers);
      rated = rated || !answers.empty();
    }
    if (rated) people.push_back(t);
  }
  r.contributions.clear();

  // Earlier releases: what they published and who was behind it.
  const auto earlier_records = store_.releases(workspace, week - (comparison_weeks() - 1), week - 1);
  std::vector<scoring::release_shape> earlier;
  std::optional<release> previous;  // the latest earlier release
  std::optional<release> first_shown;  // the earliest with a score within the trend
  std::vector<scoring::iso_week> earlier_blocks;  // earlier releases that released findings
  for (const auto& record : earlier_records) {
    auto decoded = decode_release(record.figures);
    if (decoded.dont_know_block) earlier_blocks.push_back(record.week);
    if (!record.people.empty()) earlier.push_back(scoring::shape_of(decoded.report, decode_people(record.people)));
    if (!first_shown && decoded.report.score.shown && decoded.report.as_of > week - survey_.trend_weeks) first_shown = decoded;
    previous = std::move(decoded);
  }

  scoring::withhold_combinations(r);
  // "Can't judge" findings are released at the end of a block, from the block's answers (the
  // window ending there), and are not subject to the week-by-week change control. A block never
  // overlaps the one released before it, also when the window setting changed in between.
  const bool overlaps = std::any_of(earlier_blocks.begin(), earlier_blocks.end(),
                                    [&](scoring::iso_week end) { return end > week - options.window_weeks; });
  out.dont_know_block = ends_dont_know_block(week, options.window_weeks) && !overlaps;
  auto findings = out.dont_know_block ? r.dont_know_findings : std::vector<scoring::dont_know_finding>{};
  scoring::withhold_small_changes(r, people, earlier);
  // The groups not shown are weighted as one stratum: with a weight each, a change in team
  // sizes alone (nobody answering anew) would shift the company score by a different mix of
  // their means every time, and two such weeks would tell them apart. Which groups are shown
  // depends on head counts and people only, so scoring again with them pooled withholds the same.
  int hidden_with_people = 0;
  for (std::size_t g = 0; g < scoring::group_count; ++g) {
    options.pooled[g] = !r.groups[g].shown;
    hidden_with_people += options.pooled[g] && r.cells.groups[g] > 0 ? 1 : 0;
  }
  if (r.score.shown && hidden_with_people > 1) {
    r = scoring::build_report(data, options);
    r.contributions.clear();
    scoring::withhold_combinations(r);
    scoring::withhold_small_changes(r, people, earlier);
  }
  r.dont_know_findings = std::move(findings);
  scoring::withhold_findings_of_hidden_sides(r);

  // The stage label people see moves only when the evidence does (judged on the exact interval).
  out.stage_label = previous ? previous->stage_label : std::nullopt;
  if (r.score.shown) out.stage_label = scoring::stable_stage(out.stage_label, r.score);
  r.shown_stage = r.score.shown ? out.stage_label : std::nullopt;

  // Changes are against what was published: last week's release, and the first shown release of
  // the trend (the test itself ran on the answers, paired per person).
  scoring::trend_point point = r.trend.back();
  const bool last_week_shown = previous && previous->report.as_of == week - 1 && previous->report.score.shown;
  if (!r.score.shown || !last_week_shown) point.change = scoring::trend_change::none;
  if (point.change == scoring::trend_change::none) point.delta = 0.0;  // nothing to compare: keep no exact difference
  if (!r.score.shown || !first_shown || first_shown->report.as_of != r.overall_change.week ||
      first_shown->report.as_of == week) {
    r.overall_change = scoring::trend_point{};
  }
  point.score = r.score;
  r.trend = {point};
  scoring::round_for_publication(r);
  // The tests ran on today's answers; the published delta is between frozen figures. A label
  // stands only where that delta agrees with it, in sign and size.
  const auto agree = [](scoring::trend_point& p) {
    const bool up = p.change == scoring::trend_change::up;
    const bool down = p.change == scoring::trend_change::down;
    if ((up && p.delta < scoring::min_meaningful_change) || (down && p.delta > -scoring::min_meaningful_change)) {
      p.change = scoring::trend_change::steady;
    }
  };
  if (r.trend.back().change != scoring::trend_change::none) {
    r.trend.back().delta = r.score.value - previous->report.score.value;
    agree(r.trend.back());
  }
  if (r.overall_change.change != scoring::trend_change::none) {
    r.overall_change.score = first_shown->report.score;
    r.overall_change.delta = r.score.value - first_shown->report.score.value;
    agree(r.overall_change);
  }

  // Follow-ups asked in this week's pulse: published now, once, from at least min_group_size people.
  for (const auto& issued : store_.nudges_since(workspace, week - (follow_up_delay_weeks + survey_.window_weeks))) {
    const auto* what = scoring::find_nudge(issued.nudge_id);
    if (!what || issued.follow_up_week != week) continue;
    std::erase_if(out.follow_ups, [&](const follow_up_result& f) { return f.what == what; });
    auto values = store_.follow_up_values(issued.id);
    std::erase(values, scoring::dont_know);  // counted as answered in the pulse, never in the mean
    follow_up_result f{what, week, 0, 0.0, false};
    if (static_cast<int>(values.size()) >= survey_.min_group_size) {
      double sum = 0;
      for (const auto v : values) sum += v;
      f.respondents = static_cast<int>(values.size());
      f.mean = std::round(sum / static_cast<double>(values.size()) * 10.0) / 10.0;
      f.shown = true;
    }
    out.follow_ups.push_back(f);
  }
  return out;
}

}  // namespace smrel::engine
