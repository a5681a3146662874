#pragma once
// How commands are typed in Teams: the words alone, written to the bot in a personal chat (in a
// channel or group chat, after @mentioning it). Adding the bot to a team is done in Teams' own
// screens, not typed, so `invite()` is empty and the engine says "add me" in the reader's language.
#include <string>
#include <string_view>

#include "bot/domain/phrasing.hpp"

namespace smrel::adapters::teams {

class phrasing final : public domain::command_phrasing {
 public:
  std::string command(std::string_view words) const override;
  std::string invite() const override;
};

}  // namespace smrel::adapters::teams
