// Teams activity parsing (adapters/teams/activity). Every body is parsed or refused without a
// crash, and what is parsed keeps the promises callers rely on: a kind that matches its fields,
// command words trimmed with single spaces, card data only on clicks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/teams/activity.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace smrel::adapters::teams;
using smrel::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_activity(body);
  if (!parsed) return 0;
  check(size <= max_activity_bytes, "oversized input parsed");
  check(!parsed->type.empty(), "parsed without a type");
  const auto& text = parsed->text;
  check(text.empty() || (text.front() != ' ' && text.back() != ' '), "command text is trimmed");
  check(text.find("  ") == std::string_view::npos, "command text has single spaces");
  check(text.size() <= size, "command text longer than the body");
  if (parsed->what != activity::kind::command) check(text.empty(), "text on a non-command");
  const bool click = parsed->what == activity::kind::card_action || parsed->what == activity::kind::card_submit;
  if (!click) check(parsed->action.empty() && parsed->value.empty(), "card data on a non-click");
  if (parsed->what == activity::kind::card_action) check(parsed->type == "invoke", "card action not an invoke");
  if (parsed->what == activity::kind::command || parsed->what == activity::kind::card_submit) check(parsed->type == "message", "message kinds");
  if (parsed->bot_added) check(parsed->what == activity::kind::installed, "bot added but not installed");
  return 0;
}
