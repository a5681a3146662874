#include "adapters/slack/phrasing.hpp"

namespace smrel::adapters::slack {
namespace {

constexpr std::string_view slash_command = "/smrel";  // deploy/slack/manifest.yml: slash_commands

}  // namespace

std::string phrasing::command(std::string_view words) const {
  std::string out(slash_command);
  if (!words.empty()) out.append(" ").append(words);
  return out;
}

}  // namespace smrel::adapters::slack
