#include "bot/engine/report_json.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "scoring/disclosure.hpp"

namespace smrel::engine {
namespace {

using json = nlohmann::ordered_json;

std::string_view change_id(scoring::trend_change c) {
  switch (c) {
    case scoring::trend_change::up: return "up";
    case scoring::trend_change::down: return "down";
    case scoring::trend_change::steady: return "steady";
    case scoring::trend_change::none: break;
  }
  return {};
}

std::string_view verdict_id(scoring::gap_verdict v) {
  switch (v) {
    case scoring::gap_verdict::gap: return "gap";
    case scoring::gap_verdict::no_clear_gap: return "no_clear_gap";
    case scoring::gap_verdict::too_few_to_tell: break;
  }
  return "too_few_to_tell";
}

// Scores are published in whole points (see scoring/disclosure.hpp), so they print as integers.
json points(double value) { return json(std::lround(value)); }

// A score-scale figure: value, stage, interval and respondents, or why it is withheld.
json score_object(const scoring::estimate& e) {
  if (!e.shown) return json{{"suppressed", true}, {"withheld", scoring::withheld_id(e.why)}};
  return json{{"score", points(e.value)},
              {"stage", scoring::stage_name(scoring::stage_of(e.value))},
              {"ci_low", points(e.ci_low)},
              {"ci_high", points(e.ci_high)},
              {"respondents", e.respondents}};
}

json mean_or_null(const scoring::estimate& e) { return e.shown ? json(e.value) : json(nullptr); }

// One side's dimension mean with its interval and n, prefixed "sales_" or "marketing_".
void add_side(json& item, std::string_view side, const scoring::estimate& e) {
  const std::string prefix(side);
  item[prefix + "_mean"] = mean_or_null(e);
  if (e.shown) {
    item[prefix + "_ci_low"] = e.ci_low;
    item[prefix + "_ci_high"] = e.ci_high;
    item[prefix + "_respondents"] = e.respondents;
  } else {
    item[prefix + "_withheld"] = scoring::withheld_id(e.why);
  }
}

}  // namespace

std::string report_to_json(const scoring::report& r, const std::vector<scoring::chosen_nudge>& nudges,
                           scoring::locale lang, int indent) {
  json doc;
  doc["as_of"] = r.as_of.to_string();
  doc["window_weeks"] = r.window_weeks;
  doc["min_group_size"] = r.min_group_size;
  if (r.score.shown) {
    const auto reading = scoring::read_stage(r.score);
    doc["score"] = points(r.score.value);
    doc["suppressed"] = false;
    doc["stage"] = scoring::stage_name(*r.current_stage());
    doc["ci_low"] = points(r.score.ci_low);
    doc["ci_high"] = points(r.score.ci_high);
    // The interval may span a stage edge: then the data cannot tell the side, and the label
    // people see stays where it was until the evidence moves.
    doc["stage_on_border"] = reading.on_border();
    doc["stage_between"] = reading.on_border() ? json::array({scoring::stage_name(reading.lowest), scoring::stage_name(reading.highest)})
                                               : json(nullptr);
    doc["stage_shown"] = r.shown_stage ? json(scoring::stage_name(*r.shown_stage)) : json(nullptr);
  } else {
    doc["score"] = nullptr;
    doc["suppressed"] = true;
    doc["withheld"] = scoring::withheld_id(r.score.why);
    doc["stage"] = nullptr;
    doc["ci_low"] = nullptr;
    doc["ci_high"] = nullptr;
  }
  doc["respondents"] = r.score.respondents;

  json groups = json::object();
  for (const auto g : scoring::all_groups) groups[std::string(scoring::group_id(g))] = score_object(r.group_score(g));
  doc["groups"] = std::move(groups);

  json dimensions = json::array();
  for (const auto& d : r.dimensions) {
    json item{{"id", scoring::dimension_id(d.dim)},
              {"name", scoring::dimension_name(d.dim, lang)},
              {"mean", mean_or_null(d.mean)}};
    if (d.mean.shown) {
      item["ci_low"] = d.mean.ci_low;
      item["ci_high"] = d.mean.ci_high;
      item["respondents"] = d.mean.respondents;
    } else {
      item["suppressed"] = true;
      item["withheld"] = scoring::withheld_id(d.mean.why);
    }
    add_side(item, "sales", d.sales);
    add_side(item, "marketing", d.marketing);
    item["gap"] = d.gap ? json(*d.gap) : json(nullptr);
    item["gap_ci_low"] = d.gap ? json(d.gap_ci_low) : json(nullptr);
    item["gap_ci_high"] = d.gap ? json(d.gap_ci_high) : json(nullptr);
    item["gap_verdict"] = verdict_id(d.verdict);
    item["perception_gap"] = d.perception_gap;
    dimensions.push_back(std::move(item));
  }
  doc["dimensions"] = std::move(dimensions);

  json trend = json::array();
  for (const auto& p : r.trend) {
    json point{{"week", p.week.to_string()}};
    if (p.score.shown) {
      point["score"] = points(p.score.value);
      point["stage"] = scoring::stage_name(scoring::stage_of(p.score.value));
      point["ci_low"] = points(p.score.ci_low);
      point["ci_high"] = points(p.score.ci_high);
    } else {
      point["score"] = nullptr;
      point["stage"] = nullptr;
      point["suppressed"] = true;
      point["withheld"] = scoring::withheld_id(p.score.why);
    }
    point["respondents"] = p.score.respondents;
    if (p.change != scoring::trend_change::none) {
      point["change"] = change_id(p.change);
      point["delta"] = points(p.delta);
    } else {
      point["change"] = nullptr;
    }
    trend.push_back(std::move(point));
  }
  doc["trend"] = std::move(trend);

  json unsure = json::array();
  for (const auto& f : r.dont_know_findings) {
    unsure.push_back({{"item", scoring::statements()[f.item].id},
                      {"group", scoring::group_id(f.side)},
                      {"share", f.share},
                      {"at_least", f.at_least},
                      {"text", scoring::statements()[f.item].text(lang)}});
  }
  doc["dont_know"] = std::move(unsure);

  json chosen = json::array();
  for (const auto& n : nudges) {
    chosen.push_back({{"id", n.what->id},
                      {"title", n.what->title.in(lang)},
                      {"why", n.why(lang)},
                      {"action", n.what->action.in(lang)},
                      {"follow_up", n.what->follow_up.in(lang)},
                      {"dimension", n.dim ? json(scoring::dimension_id(*n.dim)) : json(nullptr)}});
  }
  doc["nudges"] = std::move(chosen);
  return doc.dump(indent);
}

}  // namespace smrel::engine
