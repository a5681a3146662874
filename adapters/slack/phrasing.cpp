#include "adapters/slack/phrasing.hpp"

namespace smrel::adapters::slack {
namespace {

constexpr std::string_view slash_command = "/smrel";  // deploy/slack/manifest.yml: slash_commands
constexpr std::string_view bot_mention = "@smrel";    // deploy/slack/manifest.yml: bot_user display_name

}  // namespace

std::string phrasing::command(std::string_view words) const {
  std::string out(slash_command);
  if (!words.empty()) out.append(" ").append(words);
  return out;
}

std::string phrasing::invite() const { return "/invite " + std::string(bot_mention); }

// The app's settings at api.slack.com/apps, as Slack names them (English only, as Slack shows them).
std::string phrasing::allow_direct_messages() const {
  return "App Home → Show Tabs → Messages Tab, with “Allow users to send Slash commands and messages from the messages "
         "tab”";
}

}  // namespace smrel::adapters::slack
