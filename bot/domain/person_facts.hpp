#pragma once
// What a platform says about a person, beyond their id: whether they belong to the organisation
// (a guest, an external or a bot does not) and whether they still exist there. Looked up at most
// once a day (see service/people_check.hpp); the engine decides what each means. Nothing else
// about them is kept: their time zone is not needed (platforms show instants in each reader's own,
// see domain::moment), and Slack's language (it has no Dutch) would only overrule the company's.
#include <cstdint>
#include <optional>
#include <string_view>

namespace smrel::domain {

/// Whose answers count: the organisation's own people only.
enum class person_kind : std::uint8_t {
  person,  // a full member of the workspace (also anyone not looked up yet)
  guest,     // a guest of the workspace (Slack: single- or multi-channel guest)
  external,  // from another organisation (Slack Connect)
  bot,       // an app or bot user
};

inline std::string_view person_kind_id(person_kind kind) {
  switch (kind) {
    case person_kind::person: return "person";
    case person_kind::guest: return "guest";
    case person_kind::external: return "external";
    case person_kind::bot: return "bot";
  }
  return "person";
}

inline std::optional<person_kind> parse_person_kind(std::string_view id) {
  for (const auto kind : {person_kind::person, person_kind::guest, person_kind::external, person_kind::bot}) {
    if (person_kind_id(kind) == id) return kind;
  }
  return std::nullopt;
}

struct person_facts {
  person_kind kind = person_kind::person;
  bool deactivated = false;
};

}  // namespace smrel::domain
