// Form decoding (adapters/slack/form): any body parses or is refused, never crashes; what
// form_encode writes, parse_form_fields reads back unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/slack/form.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace smrel::adapters::slack;
using smrel::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The fields Slack's command and interaction handlers ask for, plus the empty name ("=x").
  if (const auto fields = parse_form_fields(input, {"ssl_check", "team_id", "user_id", "channel_id", "text", "payload", ""})) {
    for (const auto& [name, value] : *fields) {
      check(input.find(name) != std::string_view::npos, "a decoded name is in the body");
      check(value.size() <= input.size(), "a decoded value is no longer than the body");
    }
    (void)form_value(*fields, "text");
  }

  const auto encoded = form_encode(input);
  check(encoded.find_first_of("&=+ ") == std::string::npos, "form_encode escapes separators");
  const auto round_trip = parse_form_fields("skip=%ZZ&x=" + encoded + "&x=second", {"x"});
  check(round_trip.has_value(), "an encoded value decodes");
  check(form_value(*round_trip, "x") == input, "form_encode round-trips through parse_form_fields");
  return 0;
}
