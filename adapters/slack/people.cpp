#include "adapters/slack/people.hpp"

#include <nlohmann/json.hpp>

#include "adapters/slack/form.hpp"

namespace smrel::adapters::slack {
namespace {

bool flag(const nlohmann::json& user, const char* name) {
  const auto it = user.find(name);
  return it != user.end() && it->is_boolean() && it->get<bool>();
}

std::string string_field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Slack Connect: the person's own workspace is another, outside this Grid organisation (if any).
bool from_another_organisation(const nlohmann::json& user, const organisation& own) {
  const auto home = string_field(user, "team_id");
  if (home.empty() || home == own.workspace) return false;
  if (own.enterprise.empty()) return true;
  const auto grid = user.find("enterprise_user");
  return grid == user.end() || !grid->is_object() || string_field(*grid, "enterprise_id") != own.enterprise;
}

}  // namespace

std::string user_info_form(std::string_view user) {
  return "user=" + form_encode(user);
}

std::optional<std::string> enterprise_of(std::string_view auth_test_body) {
  const auto answer = nlohmann::json::parse(auth_test_body, nullptr, false);
  if (!answer.is_object() || !flag(answer, "ok")) return std::nullopt;
  return string_field(answer, "enterprise_id");  // null or absent outside Grid
}

std::optional<domain::person_facts> person_facts_of(std::string_view body, const organisation& own) {
  const auto answer = nlohmann::json::parse(body, nullptr, false);
  if (!answer.is_object() || !flag(answer, "ok")) return std::nullopt;
  const auto user = answer.find("user");
  if (user == answer.end() || !user->is_object()) return std::nullopt;
  domain::person_facts facts;
  // Slackbot is not flagged as a bot, but is one.
  const auto id = user->find("id");
  const bool slackbot = id != user->end() && id->is_string() && id->get<std::string>() == "USLACKBOT";
  if (flag(*user, "is_bot") || slackbot) {
    facts.kind = domain::person_kind::bot;
  } else if (from_another_organisation(*user, own)) {
    facts.kind = domain::person_kind::external;
  } else if (flag(*user, "is_restricted") || flag(*user, "is_ultra_restricted")) {
    facts.kind = domain::person_kind::guest;  // multi-channel, single-channel guest
  }
  facts.deactivated = flag(*user, "deleted");
  return facts;
}

}  // namespace smrel::adapters::slack
