#pragma once
// users.info: what Slack says about one person (a guest, an external, a bot, deactivated).
// Pure: the request's form body out, the answer's body in.
#include <optional>
#include <string>
#include <string_view>

#include "bot/domain/person_facts.hpp"

namespace smrel::adapters::slack {

/// users.info's form body for `user`. users.info takes form bodies only (not JSON), so the id is
/// percent-encoded.
std::string user_info_form(std::string_view user);

/// Whose people count: the workspace a person acts in, and the Enterprise Grid organisation it
/// belongs to (empty outside Grid). Colleagues from the organisation's other workspaces count.
struct organisation {
  std::string workspace;   // T…
  std::string enterprise;  // E…, or empty
};

/// What a successful users.info answer says of the person, as seen from `own`; nullopt when the
/// body is not one (an error envelope, or no user object: the sender's verdict says which).
/// Someone whose own workspace is another and who is not of the same Grid organisation is from
/// another organisation (a Slack Connect external).
std::optional<domain::person_facts> person_facts_of(std::string_view body, const organisation& own);

/// The Grid organisation auth.test names for the token (empty outside Grid); nullopt when the body
/// is not a successful answer.
std::optional<std::string> enterprise_of(std::string_view auth_test_body);

}  // namespace smrel::adapters::slack
