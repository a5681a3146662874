#include "bot/engine/export.hpp"

#include <cstdio>

#include "bot/engine/summary.hpp"
#include "scoring/survey_csv.hpp"

namespace smrel::engine {
namespace {

const scoring::iso_week earliest_week = *scoring::iso_week::parse("0001-W01");
const scoring::iso_week latest_week = *scoring::iso_week::parse("9999-W52");

// As published: scores in whole points, means in tenths.
std::string number(double value, bool is_score) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, is_score ? "%.0f" : "%.1f", value);
  return buffer;
}

void write_row(std::ostream& out, scoring::iso_week week, std::string_view scope, std::string_view figure,
               const scoring::estimate& e, bool is_score) {
  out << week.to_string() << ',' << scope << ',' << figure << ',';
  if (e.shown) {
    out << e.respondents << ',' << number(e.value, is_score) << ',' << number(e.ci_low, is_score) << ','
        << number(e.ci_high, is_score) << ',' << (is_score ? scoring::stage_name(scoring::stage_of(e.value)) : std::string_view{})
        << ",false,\n";
  } else {
    out << ",,,,,true," << scoring::withheld_id(e.why) << "\n";
  }
}

}  // namespace

std::size_t export_answers_csv(storage::store& store, const domain::workspace_ref& workspace, std::ostream& out) {
  // The instrument version says which wording was answered: `smrel score` leaves answers to an
  // earlier wording of a changed statement out, as the bot does.
  out << "week,respondent,group,item,value,instrument\n";
  std::size_t rows = 0;
  for (const auto& a : store.answers(workspace, earliest_week, latest_week)) {
    out << a.week.to_string() << ',' << scoring::csv_field(a.pseudonym) << ',' << scoring::group_id(a.group) << ','
        << scoring::statements()[a.item].id << ','
        << (a.value == scoring::dont_know ? std::string("dk") : std::to_string(a.value)) << ','
        << static_cast<int>(a.instrument) << '\n';
    ++rows;
  }
  return rows;
}

std::size_t export_weekly_csv(release_ledger& ledger, const domain::workspace_ref& workspace,
                              domain::time_point now, std::ostream& out) {
  out << "week,group,dimension,respondents,value,ci_low,ci_high,stage,suppressed,withheld\n";
  ledger.catch_up(workspace, now);
  std::size_t rows = 0;
  // Every release, also of weeks whose answers have all been erased since.
  for (const auto& release : ledger.published(workspace, earliest_week, ledger.last_closed_week(now))) {
    const auto& r = release.report;
    write_row(out, r.as_of, "all", "score", r.score, true);
    for (const auto g : scoring::all_groups) write_row(out, r.as_of, scoring::group_id(g), "score", r.group_score(g), true);
    for (const auto& d : r.dimensions) {
      write_row(out, r.as_of, "all", scoring::dimension_id(d.dim), d.mean, false);
      write_row(out, r.as_of, "sales", scoring::dimension_id(d.dim), d.sales, false);
      write_row(out, r.as_of, "marketing", scoring::dimension_id(d.dim), d.marketing, false);
    }
    rows += 5 + 3 * scoring::dimension_count;
  }
  return rows;
}

}  // namespace smrel::engine
