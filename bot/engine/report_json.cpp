#include "bot/engine/report_json.hpp"

#include <nlohmann/json.hpp>

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

// A score-scale figure: value, stage, interval and respondents, or a suppression marker.
json score_object(const scoring::estimate& e) {
  if (!e.shown) return json{{"suppressed", true}};
  return json{{"score", e.value},
              {"stage", scoring::stage_name(scoring::stage_of(e.value))},
              {"ci_low", e.ci_low},
              {"ci_high", e.ci_high},
              {"respondents", e.respondents}};
}

json mean_or_null(const scoring::estimate& e) { return e.shown ? json(e.value) : json(nullptr); }

}  // namespace

std::string report_to_json(const scoring::report& r, const std::vector<scoring::chosen_nudge>& nudges,
                           scoring::locale lang, int indent) {
  json doc;
  doc["as_of"] = r.as_of.to_string();
  doc["window_weeks"] = r.window_weeks;
  doc["min_group_size"] = r.min_group_size;
  if (r.score.shown) {
    doc["score"] = r.score.value;
    doc["suppressed"] = false;
    doc["stage"] = scoring::stage_name(*r.current_stage());
    doc["ci_low"] = r.score.ci_low;
    doc["ci_high"] = r.score.ci_high;
  } else {
    doc["score"] = nullptr;
    doc["suppressed"] = true;
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
    }
    item["sales_mean"] = mean_or_null(d.sales);
    item["marketing_mean"] = mean_or_null(d.marketing);
    item["gap"] = d.gap ? json(*d.gap) : json(nullptr);
    item["perception_gap"] = d.perception_gap;
    dimensions.push_back(std::move(item));
  }
  doc["dimensions"] = std::move(dimensions);

  json trend = json::array();
  for (const auto& p : r.trend) {
    json point{{"week", p.week.to_string()}};
    if (p.score.shown) {
      point["score"] = p.score.value;
      point["stage"] = scoring::stage_name(scoring::stage_of(p.score.value));
      point["ci_low"] = p.score.ci_low;
      point["ci_high"] = p.score.ci_high;
    } else {
      point["score"] = nullptr;
      point["stage"] = nullptr;
      point["suppressed"] = true;
    }
    point["respondents"] = p.score.respondents;
    if (p.change != scoring::trend_change::none) {
      point["change"] = change_id(p.change);
      point["delta"] = p.delta;
    } else {
      point["change"] = nullptr;
    }
    trend.push_back(std::move(point));
  }
  doc["trend"] = std::move(trend);

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
