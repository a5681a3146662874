#include "bot/domain/ids.hpp"

namespace smrel::domain {

std::string_view platform_id(platform p) { return p == platform::teams ? "teams" : "slack"; }

std::optional<platform> parse_platform(std::string_view id) {
  if (id == "slack") return platform::slack;
  if (id == "teams") return platform::teams;
  return std::nullopt;
}

}  // namespace smrel::domain
