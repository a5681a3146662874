// Slack payload and event parsing (adapters/slack/inbound). The first byte picks the parser —
// 'c' parse_command, 'i' parse_interaction, 'e' parse_event, anything else by its value mod 3 —
// and the rest is the body. Every body is either parsed or refused with a parse_error; what is
// parsed holds only ids that look like Slack's.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "adapters/slack/inbound.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace smrel::adapters::slack;
using smrel::fuzz::check;

namespace {

constexpr std::size_t max_id_length = 64;
constexpr std::size_t max_text_length = 2000;

bool looks_like_id(std::string_view id) { return !id.empty() && id.size() <= max_id_length; }

void fuzz_command(std::string_view body) {
  const auto parsed = parse_command(body);
  if (const auto* ok = std::get_if<0>(&parsed)) {
    if (const auto* command = std::get_if<smrel::domain::chat_command>(ok)) {
      check(looks_like_id(command->who.workspace.id) && looks_like_id(command->who.user), "command ids");
      check(command->text.size() <= max_text_length, "command text length");
      check(command->text.empty() || (command->text.front() != ' ' && command->text.back() != ' '), "command text is trimmed");
    }
  }
}

void fuzz_interaction(std::string_view body) {
  const auto parsed = parse_interaction(body);
  if (const auto* ok = std::get_if<0>(&parsed)) {
    if (const auto* click = std::get_if<smrel::domain::button_click>(ok)) {
      check(looks_like_id(click->who.workspace.id) && looks_like_id(click->who.user), "click ids");
      check(!click->action.empty() && click->action.find('/') == std::string::npos, "click action");
      check(click->value.size() <= max_text_length, "click value length");
    }
  }
}

void fuzz_event(std::string_view body) {
  const auto parsed = parse_event(body);
  if (const auto* ok = std::get_if<0>(&parsed)) {
    if (const auto* verification = std::get_if<url_verification>(ok)) {
      check(!verification->challenge.empty() && verification->challenge.size() <= max_text_length, "challenge length");
    } else if (const auto* callback = std::get_if<event_callback>(ok)) {
      check(looks_like_id(callback->event_id), "event_id");
      if (const auto* opened = std::get_if<smrel::domain::home_opened>(&callback->event)) {
        check(looks_like_id(opened->who.workspace.id) && looks_like_id(opened->who.user), "home_opened ids");
        check(opened->direct.empty() || opened->direct.address.front() == 'D', "home_opened DM channel");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] == 'c' ? 0 : data[0] == 'i' ? 1 : data[0] == 'e' ? 2 : data[0] % 3) {
    case 0: fuzz_command(body); break;
    case 1: fuzz_interaction(body); break;
    default: fuzz_event(body); break;
  }
  return 0;
}
