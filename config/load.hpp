#pragma once
// Loading and validating settings. Problems name the field and say why, e.g.
// "survey.min_group_size: must be at least 3 (the anonymity floor), got 2".
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace smrel::config {

struct problem {
  std::string field;
  std::string message;
  std::string to_string() const { return field + ": " + message; }
};

struct load_result {
  settings values;
  std::vector<problem> problems;  // errors: the settings must not be used
  std::vector<problem> warnings;  // usable, but worth saying
  std::string source;             // the file read, or "defaults"
  bool ok() const { return problems.empty(); }
};

using environment = std::function<std::optional<std::string>(std::string_view)>;
environment process_environment();

/// Applies a JSON document to `base` (unknown keys are errors: a typo must not pass silently).
void apply_json(std::string_view json_text, settings& base, std::vector<problem>& problems);
/// Applies the SMREL_* variables.
void apply_environment(const environment& env, settings& base, std::vector<problem>& problems);
void validate(const settings& values, std::vector<problem>& problems, std::vector<problem>& warnings);

/// Defaults, then the file named by SMREL_CONFIG (if set), then the environment, then validation.
load_result load(const environment& env);

}  // namespace smrel::config
