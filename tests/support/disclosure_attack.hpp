#pragma once
// What an attacker with a calculator reads from smrel's outputs (the weekly export, digest text),
// and a ground-truth check of the stored releases: whether any two published figures, or a week's
// figures with one from another week that still holds for it, differ by 1 … min_group_size − 1
// people.
//
// The ground truth uses the releases' person tokens, which no reader has; it is written from the
// documented rule (scoring/disclosure.hpp), not from its code, so a mistake there is not copied.
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bot/engine/releases.hpp"
#include "bot/storage/store.hpp"
#include "scoring/disclosure.hpp"

namespace smrel::testing {

/// One row of `smrel export`: week,group,dimension,respondents,value,ci_low,ci_high,stage,suppressed,withheld.
struct export_row {
  std::string line;
  std::string week;
  std::string group;
  std::string figure;  // "score" or a dimension id
  int respondents = 0;
  double value = 0.0;
  bool shown = false;
  std::string withheld;
};

inline std::vector<export_row> parse_weekly_export(const std::string& csv) {
  std::vector<export_row> out;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::string field;
    std::istringstream cells(line);
    while (std::getline(cells, field, ',')) fields.push_back(field);
    if (line.back() == ',') fields.emplace_back();
    if (fields.size() != 10) {
      out.push_back({line, "", "", "", 0, 0.0, false, "malformed"});
      continue;
    }
    export_row row{line, fields[0], fields[1], fields[2], 0, 0.0, fields[8] == "false", fields[9]};
    if (row.shown) {
      row.respondents = std::stoi(fields[3]);
      row.value = std::stod(fields[4]);
    }
    out.push_back(std::move(row));
  }
  return out;
}

/// The numbers a reader can take from a digest or status text, as a multiset: week names and the
/// participation line (head counts of the live pulse, no answers) left out.
inline std::multiset<std::string> published_numbers(const std::string& text) {
  static const std::regex week_name(R"(\d{4}-W\d{2})");
  static const std::regex number(R"(\d+(\.\d+)?)");
  std::multiset<std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(" answered in the last ") != std::string::npos) continue;
    line = std::regex_replace(line, week_name, "");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), number); it != std::sregex_iterator(); ++it) {
      out.insert(it->str());
    }
  }
  return out;
}

struct stored_release {
  scoring::iso_week week;
  engine::release published;
  std::vector<scoring::person_token> people;  // empty once pruned
  std::string figures;                        // the stored text, byte for byte
};

inline std::vector<stored_release> stored_releases(storage::store& store, const domain::workspace_ref& workspace) {
  std::vector<stored_release> out;
  for (const auto& r : store.releases(workspace, *scoring::iso_week::parse("2000-W01"), *scoring::iso_week::parse("2099-W01"))) {
    out.push_back({r.week, engine::decode_release(r.figures), engine::decode_people(r.people), r.figures});
  }
  return out;
}

namespace detail {

constexpr std::array<scoring::group, 2> sides{scoring::group::sales, scoring::group::marketing};

inline bool exposes(int people, int min_group_size) { return people > 0 && people < min_group_size; }

// One person whose part differs between two releases.
struct person_change {
  const scoring::person_token* before = nullptr;
  const scoring::person_token* after = nullptr;

  bool touches(scoring::group g) const { return (before && before->in == g) || (after && after->in == g); }
  bool on(std::size_t d) const {
    const auto b = before ? before->dimensions[d] : 0;
    const auto a = after ? after->dimensions[d] : 0;
    const bool moved = before && after && before->in != after->in;
    return a != b || (moved && (a || b));
  }
};

inline std::vector<person_change> changes(const std::vector<scoring::person_token>& earlier,
                                          const std::vector<scoring::person_token>& later) {
  std::map<std::uint64_t, person_change> by_person;
  for (const auto& p : earlier) by_person[p.person].before = &p;
  for (const auto& p : later) by_person[p.person].after = &p;
  std::vector<person_change> out;
  for (const auto& [id, c] : by_person) {
    if (!c.before || !c.after || !(*c.before == *c.after)) out.push_back(c);
  }
  return out;
}

inline const scoring::estimate& side_mean(const scoring::dimension_result& d, scoring::group g) {
  return g == scoring::group::sales ? d.sales : d.marketing;
}

}  // namespace detail

/// Every way stored releases could be subtracted into a figure about 1 … min_group_size − 1
/// people, described for a failure message; empty when there is none. For each release, against
/// every other one whose people are still stored:
///   - a figure shown in both whose people differ by too few (the score; each group; each
///     dimension mean, company-wide and per side);
///   - the company minus the groups a reader knows for that release — shown in it, or shown in an
///     earlier or later release with nobody in that group changed in between, so that figure
///     holds for this release too — leaving too few people; the same per dimension with the
///     sides' dimension means.
inline std::vector<std::string> small_differences(const std::vector<stored_release>& releases, int min_group_size) {
  using detail::exposes;
  std::vector<std::string> out;
  const auto note = [&](const stored_release& r, const std::string& what, int people) {
    out.push_back(r.week.to_string() + ": " + what + " is about " + std::to_string(people) + " people");
  };
  for (const auto& release : releases) {
    const auto& shown = release.published.report;
    if (!shown.score.shown || release.people.empty()) continue;
    std::array<bool, scoring::group_count> known{};
    for (const auto g : scoring::all_groups) known[static_cast<std::size_t>(g)] = shown.group_score(g).shown;
    std::array<std::array<bool, scoring::dimension_count>, scoring::group_count> known_dimension{};
    for (const auto g : detail::sides) {
      for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
        known_dimension[static_cast<std::size_t>(g)][d] = detail::side_mean(shown.dimensions[d], g).shown;
      }
    }
    for (const auto& other : releases) {
      const auto& then = other.published.report;
      if (&other == &release || !then.score.shown || other.people.empty()) continue;
      const bool earlier = other.week < release.week;  // differences are noted once, at the later release
      const auto diff = detail::changes(other.people, release.people);
      const auto since = " since " + other.week.to_string();
      if (earlier && exposes(static_cast<int>(diff.size()), min_group_size)) {
        note(release, "the score's change" + since, static_cast<int>(diff.size()));
      }
      for (const auto g : scoring::all_groups) {
        const auto n = static_cast<int>(std::count_if(diff.begin(), diff.end(), [&](const auto& c) { return c.touches(g); }));
        if (earlier && shown.group_score(g).shown && then.group_score(g).shown && exposes(n, min_group_size)) {
          note(release, std::string(scoring::group_id(g)) + "'s change" + since, n);
        }
        if (then.group_score(g).shown && n == 0) known[static_cast<std::size_t>(g)] = true;  // that figure holds here too
      }
      for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
        const auto on_d = static_cast<int>(std::count_if(diff.begin(), diff.end(), [&](const auto& c) { return c.on(d); }));
        const auto name = std::string(scoring::dimension_id(static_cast<scoring::dimension>(d)));
        if (earlier && shown.dimensions[d].mean.shown && then.dimensions[d].mean.shown && exposes(on_d, min_group_size)) {
          note(release, "the change of " + name + since, on_d);
        }
        for (const auto g : detail::sides) {
          const auto n = static_cast<int>(
              std::count_if(diff.begin(), diff.end(), [&](const auto& c) { return c.touches(g) && c.on(d); }));
          const bool shown_then = detail::side_mean(then.dimensions[d], g).shown;
          if (earlier && detail::side_mean(shown.dimensions[d], g).shown && shown_then && exposes(n, min_group_size)) {
            note(release, std::string(scoring::group_id(g)) + "'s change of " + name + since, n);
          }
          if (shown_then && n == 0) known_dimension[static_cast<std::size_t>(g)][d] = true;
        }
      }
    }
    // The company minus every group known for this release.
    int rest = static_cast<int>(release.people.size());
    for (const auto& p : release.people) rest -= known[static_cast<std::size_t>(p.in)] ? 1 : 0;
    std::string known_names;
    for (const auto g : scoring::all_groups) {
      if (known[static_cast<std::size_t>(g)]) known_names += " − " + std::string(scoring::group_id(g));
    }
    if (exposes(rest, min_group_size)) {
      note(release, "the company" + known_names + " (figures shown then or since, still valid)", rest);
    }
    for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
      if (!shown.dimensions[d].mean.shown) continue;
      int rest_d = 0;
      for (const auto& p : release.people) {
        const bool side = p.in == scoring::group::sales || p.in == scoring::group::marketing;
        const bool known_side = side && known_dimension[static_cast<std::size_t>(p.in)][d];
        if (p.dimensions[d] != 0 && !known_side) ++rest_d;
      }
      if (exposes(rest_d, min_group_size)) {
        note(release, "the company's " + std::string(scoring::dimension_id(static_cast<scoring::dimension>(d))) +
                          " minus the known sides", rest_d);
      }
    }
  }
  return out;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

}  // namespace smrel::testing
