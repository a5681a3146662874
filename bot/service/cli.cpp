#include <CLI/CLI.hpp>

#include <iostream>

#include "bot/service/commands.hpp"
#include "bot/service/context.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

int run_cli(int argc, char** argv) {
  CLI::App app{
      "smrel: measures and improves how Sales and Marketing work together, from Slack and Teams.\n"
      "Every subcommand reads the same configuration: SMREL_CONFIG (a JSON file) and SMREL_* variables.",
      "smrel"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "smrel 0.1.0");

  auto* serve = app.add_subcommand("serve", "Run the bot: Slack and Teams webhooks, pulses, digests");

  auto* migrate = app.add_subcommand("migrate", "Create or upgrade the database schema (SMREL_DB)");

  demo_args demo;
  auto* demo_cmd = app.add_subcommand("demo", "Seed a synthetic company into SMREL_DB and print what the bot would post");
  demo_cmd->add_option("--workspace", demo.workspace, "Workspace to seed: a Slack team id (default T0DEMO) or teams:<tenant>");
  demo_cmd->add_option("--weeks", demo.weeks, "Weeks of pulses to simulate, ending this week")->capture_default_str();
  demo_cmd->add_option("--locale", demo.locale, "Language of the printed messages: en or nl")->capture_default_str();

  auto* check = app.add_subcommand("check-config", "Validate the configuration and show it (secrets redacted)");

  export_args exp;
  auto* export_cmd = app.add_subcommand("export", "Write weekly aggregated results as CSV to standard output");
  export_cmd->add_flag("--answers", exp.answers, "Write every stored answer in the `smrel score` CSV format instead");
  export_cmd->add_option("--workspace", exp.workspace, "Workspace to export (needed when the database holds several)");

  score_args score;
  auto* score_cmd = app.add_subcommand("score", "Score a survey CSV (week,respondent,group,item,value)");
  score_cmd->add_option("--csv", score.csv, "Survey file, or - for standard input")->required();
  score_cmd->add_flag("--json", score.json, "Print the report as one JSON object");
  score_cmd->add_option("--as-of", score.as_of, "Last week of the window, YYYY-Www (default: the latest week in the file)");
  score_cmd->add_option("--window", score.window_weeks, "Rolling window in weeks (default 8, or survey.window_weeks)");
  score_cmd->add_option("--min-group", score.min_group_size, "Minimum respondents behind any figure (default 5, at least 3)");
  score_cmd->add_option("--locale", score.locale, "Language of names and nudges: en or nl")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }

  try {
    if (*serve) return run_serve();
    if (*migrate) return run_migrate(std::cout);
    if (*demo_cmd) return run_demo(demo, std::cout);
    if (*check) return run_check_config(std::cout);
    if (*export_cmd) return run_export(exp, std::cout);
    if (*score_cmd) return run_score(score, std::cin, std::cout, std::cerr);
  } catch (const command_error& e) {
    std::cerr << "smrel: " << e.message << '\n';
    return e.code;
  } catch (const storage::store_error& e) {
    std::cerr << "smrel: storage: " << e.what() << '\n';
    return exit_failure;
  }
  return exit_usage;
}

}  // namespace smrel::service
