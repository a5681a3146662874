#pragma once
// The `smrel` subcommands. Each returns its exit code; failures arrive as command_error.
#include <iosfwd>
#include <optional>
#include <string>

namespace smrel::service {

struct score_args {
  std::string csv;  // path, or "-" for standard input
  bool json = false;
  std::optional<std::string> as_of;
  std::optional<int> window_weeks;
  std::optional<int> min_group_size;
  std::string locale = "en";
};

struct demo_args {
  std::optional<std::string> workspace;
  int weeks = 12;
  std::string locale = "en";
};

struct export_args {
  bool answers = false;
  std::optional<std::string> workspace;
};

int run_score(const score_args& args, std::istream& in, std::ostream& out, std::ostream& err);
int run_demo(const demo_args& args, std::ostream& out);
int run_export(const export_args& args, std::ostream& out);
int run_migrate(std::ostream& out);
int run_check_config(std::ostream& out);
int run_serve();

/// Parses the command line and runs the subcommand; the executable's whole main.
int run_cli(int argc, char** argv);

}  // namespace smrel::service
