#pragma once
// Answers are stored under a keyed pseudonym instead of the chat user id. Only the member table
// knows chat user ids and only the answer table knows pseudonyms; without the key nobody can
// join the two, not even with a copy of the database.
#include <string>

#include "bot/domain/hmac.hpp"
#include "bot/domain/ids.hpp"

namespace smrel::domain {

class pseudonymizer {
 public:
  explicit pseudonymizer(std::string_view key) : mac_(key) {}
  std::string pseudonym(const member_key& who) const;

 private:
  hmac_sha256 mac_;
};

}  // namespace smrel::domain
