#pragma once
// What people say about themselves: which team they are in, which language they read, whether
// they take part, and erasing all of it. Each change drops what the caches knew of the person.
#include <string_view>

#include "bot/domain/inbound.hpp"
#include "bot/domain/message.hpp"
#include "bot/domain/person_facts.hpp"
#include "bot/engine/bot_core.hpp"

namespace smrel::engine {

class membership {
 public:
  explicit membership(bot_core& core) : core_(core) {}

  /// "join sales|marketing|leadership".
  domain::message join(const domain::member_key& who, std::string_view team, scoring::locale lang);
  /// "language en|nl": answered in the language chosen.
  domain::message choose_language(const domain::member_key& who, scoring::locale chosen);
  /// "optout" / "optin".
  domain::message opt(const domain::member_key& who, bool out, scoring::locale lang);
  /// "forget": asks first, with a button that confirms (on_click).
  domain::message forget_prompt(scoring::locale lang);
  /// The forget confirmation and its cancel button; anything else is not ours.
  domain::message on_click(const domain::button_click& click);
  /// What the platform says of a member, looked up: a guest, an external or a bot is no longer
  /// asked and their answers are erased (deactivation is pulses'). Returns what to tell someone
  /// who joined a team and is found to be a guest or from another organisation.
  std::optional<domain::message> looked_up(const domain::member_key& who, const domain::person_facts& facts);

 private:
  /// When the weekly pulse arrives, in the person's language.
  std::string schedule_sentence(scoring::locale lang, const domain::command_phrasing& phrasing) const;

  bot_core& core_;
};

}  // namespace smrel::engine
