#pragma once
// Reads the `smrel score` survey format: header `week,respondent,group,item,value`, one answer per
// row; `value` is 1…5 or `dk` ("don't know": kept, never scored). An optional sixth column
// `instrument` names the instrument version whose wording was answered (what `smrel export
// --answers` writes); without it every answer is taken as given to the current wording.
// Nothing is guessed: every row that does not fit is reported with its line number.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/report.hpp"

namespace smrel::scoring {

struct csv_error {
  std::size_t line = 0;  // 1-based; 0 for errors about the file as a whole
  std::string message;
};

struct parsed_survey {
  survey data;
  std::vector<std::string> respondent_names;  // indexed like survey::respondent_groups
  std::vector<csv_error> errors;
  std::size_t rows = 0;

  bool ok() const { return errors.empty(); }
  /// Latest week with an answer; the default "as of".
  std::optional<iso_week> last_week() const;
};

parsed_survey parse_survey_csv(std::string_view text);

/// Quotes a CSV field when it needs it (RFC 4180).
std::string csv_field(std::string_view value);

}  // namespace smrel::scoring
