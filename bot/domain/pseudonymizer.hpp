#pragma once
// Answers are stored under a keyed pseudonym instead of the chat user id. Only the member table
// knows chat user ids and only the answer table knows pseudonyms; without the key nobody can
// join the two, not even with a copy of the database.
#include <cstdint>
#include <string>

#include "bot/domain/hmac.hpp"
#include "bot/domain/ids.hpp"

namespace smrel::domain {

class pseudonymizer {
 public:
  explicit pseudonymizer(std::string_view key) : mac_(key) {}
  std::string pseudonym(const member_key& who) const;
  /// A keyed 64-bit token of `parts` (never 0): equal parts give equal tokens, and without the
  /// key nobody can tell what went in, even of a handful of 1–5 answers.
  std::uint64_t token(std::string_view purpose, std::string_view a, std::string_view b) const;

 private:
  hmac_sha256 mac_;
};

}  // namespace smrel::domain
