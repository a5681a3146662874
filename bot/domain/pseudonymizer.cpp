#include "bot/domain/pseudonymizer.hpp"

namespace smrel::domain {

std::string pseudonymizer::pseudonym(const member_key& who) const {
  // Unit separators keep ("a", "bc") and ("ab", "c") apart.
  constexpr std::string_view separator = "\x1f";
  return to_hex(mac_.sign({"smrel-pseudonym-v1", separator, platform_id(who.workspace.on), separator,
                           who.workspace.id, separator, who.user}));
}

std::uint64_t pseudonymizer::token(std::string_view purpose, std::string_view a, std::string_view b) const {
  constexpr std::string_view separator = "\x1f";
  const auto digest = mac_.sign({"smrel-token-v1", separator, purpose, separator, a, separator, b});
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < sizeof out; ++i) out = (out << 8) | digest[i];
  return out == 0 ? 1 : out;
}

}  // namespace smrel::domain
