#include <fstream>
#include <iostream>
#include <sstream>

#include "bot/domain/plain_text.hpp"
#include "bot/engine/report_json.hpp"
#include "bot/engine/summary.hpp"
#include "bot/engine/views.hpp"
#include "bot/service/commands.hpp"
#include "bot/service/context.hpp"
#include "bot/service/platforms.hpp"
#include "scoring/disclosure.hpp"
#include "scoring/survey_csv.hpp"

namespace smrel::service {
namespace {

constexpr std::size_t max_errors_listed = 50;

std::string read_all(std::istream& in) {
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

int run_score(const score_args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  const auto settings = load_settings();
  const auto lang = scoring::parse_locale(args.locale);
  if (!lang) throw command_error{"--locale must be en or nl", exit_usage};

  scoring::scoring_options options;
  options.window_weeks = args.window_weeks.value_or(settings.survey.window_weeks);
  options.min_group_size = args.min_group_size.value_or(settings.survey.min_group_size);
  if (options.window_weeks < 1 || options.window_weeks > scoring::max_window_weeks) {
    throw command_error{"--window must be from 1 to 104 weeks", exit_usage};
  }
  if (options.min_group_size < scoring::anonymity_floor) {
    throw command_error{"--min-group must be at least 3 (the anonymity floor)", exit_usage};
  }
  std::optional<scoring::iso_week> as_of;
  if (args.as_of) {
    as_of = scoring::iso_week::parse(*args.as_of);
    if (!as_of) throw command_error{"--as-of must be an ISO week like 2026-W07", exit_usage};
  }

  std::string text;
  if (args.csv == "-") {
    text = read_all(in);
  } else {
    std::ifstream file(args.csv, std::ios::binary);
    if (!file) throw command_error{"cannot read " + args.csv};
    text = read_all(file);
  }
  const auto parsed = scoring::parse_survey_csv(text);
  if (!parsed.ok()) {
    const std::string name = args.csv == "-" ? "<stdin>" : args.csv;
    for (std::size_t i = 0; i < parsed.errors.size() && i < max_errors_listed; ++i) {
      const auto& e = parsed.errors[i];
      err << name << (e.line ? ":" + std::to_string(e.line) : std::string()) << ": " << e.message << '\n';
    }
    if (parsed.errors.size() > max_errors_listed) {
      err << name << ": " << parsed.errors.size() - max_errors_listed << " more bad rows not listed\n";
    }
    err << "smrel score: " << parsed.errors.size() << " bad row(s); nothing was scored\n";
    return exit_failure;
  }

  options.as_of = as_of.value_or(parsed.last_week().value_or(current_week(settings, domain::system_clock{})));
  const auto report = scoring::build_published_report(parsed.data, options);
  const auto nudges = engine::choose_nudges(report, settings.survey);
  if (args.json) {
    out << engine::report_to_json(report, nudges, *lang) << '\n';
  } else {
    engine::summary s{report, nudges, {0, report.score.respondents}, {}, {}, {}, true, report.as_of};
    out << domain::plain_text(engine::digest_view(s, *lang, phrasing_for(domain::platform::slack))) << '\n';
  }
  return exit_ok;
}

}  // namespace smrel::service
