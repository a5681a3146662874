#pragma once
// How a person types a command on each platform: `/smrel status` in Slack, `status` to the bot
// in Teams. The engine writes "type {status}" once and asks the platform's phrasing for the words,
// so no engine text hard-codes one platform.
#include <string>
#include <string_view>

namespace smrel::domain {

class command_phrasing {
 public:
  virtual ~command_phrasing() = default;
  /// What to type to run `words` (e.g. "join sales"): "/smrel join sales".
  virtual std::string command(std::string_view words) const = 0;
  /// What to type to add the bot to a conversation ("/invite @smrel"); empty where that is not
  /// typed but done in the platform's own screens.
  virtual std::string invite() const { return {}; }
  /// Where an admin turns the app's direct messages back on; empty where the platform has no
  /// such switch.
  virtual std::string allow_direct_messages() const { return {}; }
};

/// The words alone, for platforms where people write to the bot directly (Teams: "status").
class bare_words_phrasing final : public command_phrasing {
 public:
  std::string command(std::string_view words) const override { return std::string(words); }
};

}  // namespace smrel::domain
