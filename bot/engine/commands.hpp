#pragma once
// The commands people type, by their first word: one table from verb to handler. The words after
// the verb are its argument; an unknown verb, or none, gets the help.
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "bot/domain/inbound.hpp"
#include "bot/engine/bot_core.hpp"
#include "bot/engine/digests.hpp"
#include "bot/engine/membership.hpp"
#include "bot/engine/pulses.hpp"
#include "bot/engine/replies.hpp"

namespace smrel::engine {

class command_table {
 public:
  command_table(bot_core& core, pulses& weekly, digests& digest, membership& members);
  command_table(const command_table&) = delete;
  command_table& operator=(const command_table&) = delete;

  command_result run(const domain::chat_command& command);

 private:
  struct request {
    const domain::chat_command& command;
    scoring::locale lang;
    std::string arg;  // the second word, lower-cased; empty if none
  };
  using handler = std::function<command_result(const request&)>;

  command_result help(const request& r);

  bot_core& core_;
  pulses& pulses_;
  digests& digests_;
  membership& members_;
  std::map<std::string, handler, std::less<>> handlers_;
};

}  // namespace smrel::engine
