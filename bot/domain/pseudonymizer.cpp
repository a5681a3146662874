#include "bot/domain/pseudonymizer.hpp"

namespace smrel::domain {

std::string pseudonymizer::pseudonym(const member_key& who) const {
  // Unit separators keep ("a", "bc") and ("ab", "c") apart.
  constexpr std::string_view separator = "\x1f";
  return to_hex(mac_.sign({"smrel-pseudonym-v1", separator, platform_id(who.workspace.on), separator,
                           who.workspace.id, separator, who.user}));
}

}  // namespace smrel::domain
