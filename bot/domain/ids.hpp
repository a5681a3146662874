#pragma once
// Neutral identities: which chat platform, which workspace (Slack team / Teams tenant), which user.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smrel::domain {

enum class platform : std::uint8_t { slack, teams };

std::string_view platform_id(platform p);
std::optional<platform> parse_platform(std::string_view id);

/// A company as installed on one platform.
struct workspace_ref {
  platform on = platform::slack;
  std::string id;  // Slack team id, Teams tenant id
  bool operator==(const workspace_ref&) const = default;
};

/// One person in one workspace.
struct member_key {
  workspace_ref workspace;
  std::string user;  // Slack user id, Teams AAD object id
  bool operator==(const member_key&) const = default;
};

}  // namespace smrel::domain
