#pragma once
// How commands are typed in Slack: through the `/smrel` slash command, so "join sales" is typed
// "/smrel join sales". The slash command's name is the one in deploy/slack's app manifest.
#include <string>
#include <string_view>

#include "bot/domain/phrasing.hpp"

namespace smrel::adapters::slack {

/// Slack's command phrasing: the slash command, a space, then the words.
class phrasing final : public domain::command_phrasing {
 public:
  std::string command(std::string_view words) const override;
  std::string invite() const override;
  std::string allow_direct_messages() const override;
};

}  // namespace smrel::adapters::slack
