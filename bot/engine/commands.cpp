#include "bot/engine/commands.hpp"

#include <cctype>
#include <vector>

#include "bot/engine/views.hpp"

namespace smrel::engine {
namespace {

// Lower-cased words, split on white space.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::string word;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
    }
    if (!word.empty()) out.push_back(std::move(word));
  }
  return out;
}

}  // namespace

command_table::command_table(bot_core& core, pulses& weekly, digests& digest, membership& members)
    : core_(core), pulses_(weekly), digests_(digest), members_(members) {
  handlers_ = {
      {"status", [this](const request& r) { return reply_only(*core_.statuses.status(r.command.who.workspace, r.lang)); }},
      {"pulse", [this](const request& r) { return reply_only(pulses_.pulse_reply(r.command.who, r.lang)); }},
      {"join", [this](const request& r) { return reply_only(members_.join(r.command.who, r.arg, r.lang)); }},
      {"nudges", [this](const request& r) { return reply_only(nudges_view(*core_.statuses.current(r.command.who.workspace), r.lang)); }},
      {"digest", [this](const request& r) { return digests_.digest_command(r.command, r.arg, r.lang); }},
      {"language",
       [this](const request& r) {
         const auto chosen = r.arg == "en" || r.arg == "nl" ? scoring::parse_locale(r.arg) : std::nullopt;
         return chosen ? reply_only(members_.choose_language(r.command.who, *chosen)) : help(r);
       }},
      {"optout", [this](const request& r) { return reply_only(members_.opt(r.command.who, true, r.lang)); }},
      {"optin", [this](const request& r) { return reply_only(members_.opt(r.command.who, false, r.lang)); }},
      {"forget", [this](const request& r) { return reply_only(members_.forget_prompt(r.lang)); }},
      {"help", [this](const request& r) { return help(r); }},
  };
}

command_result command_table::help(const request& r) {
  const auto& who = r.command.who;
  return reply_only(help_view(r.lang, core_.phrasing(who.workspace), core_.is_admin(who), core_.opts.survey.min_group_size));
}

command_result command_table::run(const domain::chat_command& command) {
  const auto lang = core_.locale_of(command.who, command.locale);
  const auto args = words(command.text);
  const request r{command, lang, args.size() > 1 ? args[1] : std::string()};
  const auto verb = args.empty() ? handlers_.end() : handlers_.find(args[0]);
  return verb == handlers_.end() ? help(r) : verb->second(r);
}

}  // namespace smrel::engine
