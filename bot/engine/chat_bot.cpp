#include "bot/engine/chat_bot.hpp"

namespace smrel::engine {

chat_bot::chat_bot(storage::store& store, const domain::pseudonymizer& pseudonyms, const domain::clock& clock,
                   options opts)
    : core_(store, pseudonyms, clock, std::move(opts)),
      pulses_(core_),
      digests_(core_),
      membership_(core_),
      desk_(core_, pulses_),
      commands_(core_, pulses_, digests_, membership_),
      notes_(core_) {}

}  // namespace smrel::engine
