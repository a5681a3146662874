// `smrel score`'s CSV reader (scoring/survey_csv). Any text parses into answers plus errors, never
// crashes, and what it returns is consistent; a respondent quoted with csv_field reads back as is.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scoring/survey_csv.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace smrel::scoring;
using smrel::fuzz::check;

namespace {

constexpr std::size_t max_respondent_length = 256;

void check_consistent(const parsed_survey& parsed) {
  check(parsed.respondent_names.size() == parsed.data.respondent_groups.size(), "one name per respondent");
  for (const auto& a : parsed.data.answers) {
    check(a.respondent < parsed.data.respondent_groups.size(), "answers name known respondents");
    check(smrel::scoring::is_answer_value(a.value), "values are 1..5 or don't know");
    check(a.wording >= smrel::scoring::first_instrument_version && a.wording <= smrel::scoring::instrument_version,
          "wordings are known instrument versions");
  }
  check(parsed.data.answers.size() <= parsed.rows, "at most one answer per row");
  if (parsed.ok()) check(parsed.data.answers.size() == parsed.rows, "no errors: every row is an answer");
  check(parsed.last_week().has_value() == !parsed.data.answers.empty(), "last_week iff answers");
  for (const auto& e : parsed.errors) check(!e.message.empty(), "errors say what is wrong");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_consistent(parse_survey_csv(input));

  // Records never span lines, so a respondent with a line break cannot round-trip.
  if (!input.empty() && input.size() <= max_respondent_length && input.find('\n') == std::string_view::npos) {
    const auto one_row = parse_survey_csv("week,respondent,group,item,value\n2026-W10," + csv_field(input) + ",sales,q01,4\n");
    check_consistent(one_row);
    check(one_row.ok() && one_row.respondent_names.size() == 1 && one_row.respondent_names[0] == input,
          "a csv_field-quoted respondent reads back unchanged");
  }
  return 0;
}
