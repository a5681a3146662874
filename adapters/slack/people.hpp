#pragma once
// users.info: what Slack says about one person (a guest, a bot, deactivated, their language).
// Pure: the request's form body out, the answer's body in.
#include <optional>
#include <string>
#include <string_view>

#include "bot/domain/person_facts.hpp"

namespace smrel::adapters::slack {

/// users.info's form body for `user`, asking for the locale too. users.info takes form bodies
/// only (not JSON), so the id is percent-encoded.
std::string user_info_form(std::string_view user);

/// What a successful users.info answer says of the person; nullopt when the body is not one (an
/// error envelope, or no user object: the sender's verdict says which).
std::optional<domain::person_facts> person_facts_of(std::string_view body);

}  // namespace smrel::adapters::slack
