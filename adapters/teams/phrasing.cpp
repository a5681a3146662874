#include "adapters/teams/phrasing.hpp"

namespace smrel::adapters::teams {

std::string phrasing::command(std::string_view words) const { return std::string(words); }

// The engine puts this after "Invite me with " in English and Dutch; Teams' way ("Apps", "Add
// to a team", then an @mention) is several screens and cannot complete that sentence in both
// languages, so the engine's own "add me to it" wording is used instead.
std::string phrasing::invite() const { return {}; }

}  // namespace smrel::adapters::teams
