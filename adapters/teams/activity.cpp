#include "adapters/teams/activity.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cctype>

namespace smrel::adapters::teams {
namespace {

namespace json = boost::json;

// Deeper than any activity Teams sends (a card inside an attachment nests some twenty levels);
// past it the body is refused. Boost.JSON's parser recurses once per level, so this bound is
// also what keeps a hostile body from exhausting the thread's stack.
constexpr std::size_t max_depth = 100;
// The parsed document lives in this much stack first: a click's activity is about 1 KB of JSON.
constexpr std::size_t parse_buffer_bytes = 8 * 1024;

constexpr std::string_view card_action_invoke = "adaptiveCard/action";
constexpr std::string_view data_action_key = "smrel";  // cards.cpp writes our data as {"smrel": action, "value": value}
constexpr std::string_view data_value_key = "value";
// What people may type before the command words: the app's name, as a word or as a slash command
// (from Slack habit), or a mention typed as plain text instead of picked.
constexpr std::array<std::string_view, 3> command_prefixes{"smrel ", "/smrel ", "@smrel "};

// Reads fields leniently about absence (and JSON null, which some senders write for "absent") but
// strictly about type: a field of the wrong type fails the whole activity.
class reader {
 public:
  bool ok() const { return ok_; }
  void refuse() { ok_ = false; }

  std::string string(const json::object& object, std::string_view key) {
    const auto* v = member(object, key);
    if (v == nullptr) return {};
    if (!v->is_string()) return fail<std::string>();
    return std::string(v->get_string());
  }
  // An object member; an empty object when absent.
  const json::object& object(const json::object& parent, std::string_view key) {
    const auto* v = member(parent, key);
    if (v == nullptr) return empty_object();
    if (!v->is_object()) return fail<const json::object&>(empty_object());
    return v->get_object();
  }
  const json::array& array(const json::object& parent, std::string_view key) {
    const auto* v = member(parent, key);
    if (v == nullptr) return empty_array();
    if (!v->is_array()) return fail<const json::array&>(empty_array());
    return v->get_array();
  }
  account person(const json::object& parent, std::string_view key) {
    const auto& o = object(parent, key);
    return {string(o, "id"), string(o, "aadObjectId"), string(o, "name")};
  }

  // A member that is present and not JSON null.
  static const json::value* member(const json::object& object, std::string_view key) {
    const auto* v = object.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

 private:
  static const json::object& empty_object() {
    static const json::object empty;
    return empty;
  }
  static const json::array& empty_array() {
    static const json::array empty;
    return empty;
  }
  template <typename T>
  T fail(T fallback = T()) {
    ok_ = false;
    return fallback;
  }
  bool ok_ = true;
};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Trimmed, runs of white space (and non-breaking spaces, which Teams writes after a mention) as one.
std::string collapse(std::string_view text) {
  std::string spaced;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 2) == "\xC2\xA0") {
      spaced += ' ';
      ++i;
    } else if (text.substr(i, 6) == "&nbsp;") {
      spaced += ' ';
      i += 5;
    } else {
      spaced += is_space(text[i]) ? ' ' : text[i];
    }
  }
  std::string out;
  for (const char c : spaced) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

void erase_first(std::string& text, std::string_view what) {
  if (what.empty()) return;
  const auto at = text.find(what);
  if (at != std::string::npos) text.replace(at, what.size(), " ");
}

// The command words of a message to the bot, with the bot's own mentions removed.
std::string command_words(std::string text, const std::vector<std::string>& bot_mentions, std::string_view bot_name) {
  for (const auto& mention : bot_mentions) erase_first(text, mention);
  // A leftover "<at>name</at>" of the bot, e.g. when a client escaped the entity text differently.
  if (!bot_name.empty()) erase_first(text, "<at>" + std::string(bot_name) + "</at>");
  auto words = collapse(text);
  for (const auto prefix : command_prefixes) {
    if (starts_with_ignoring_case(words + " ", prefix)) {
      words = collapse(std::string_view(words).substr(std::min(words.size(), prefix.size())));
      break;
    }
  }
  return words;
}

// Our data object {"smrel": action, "value": value}: true when `data` is one.
bool read_card_data(reader& r, const json::value& data, activity& out) {
  if (!data.is_object()) return false;
  const auto* action = data.get_object().if_contains(data_action_key);
  if (action == nullptr || !action->is_string()) return false;
  out.action = std::string(action->get_string());
  const auto* value = data.get_object().if_contains(data_value_key);
  if (value != nullptr && value->is_string()) out.value = std::string(value->get_string());
  return r.ok();
}

bool is_group_conversation(const activity& a, bool is_group) {
  if (a.conversation_type == "personal") return false;
  if (a.conversation_type.empty()) return is_group;
  return true;  // channel, groupChat, and any scope Teams adds later: answer only when mentioned
}

void read_message(reader& r, const json::object& doc, bool is_group, activity& out) {
  if (const auto* value = reader::member(doc, "value")) {
    // A click on an Action.Submit (the data object, merged with any inputs). A value that is not
    // our data object is someone else's card, or a string `data` Teams turned into nothing.
    if (read_card_data(r, *value, out)) out.what = activity::kind::card_submit;
    return;
  }
  std::vector<std::string> bot_mentions;
  std::string bot_name = out.recipient.name;
  for (const auto& entity : r.array(doc, "entities")) {
    if (!entity.is_object()) continue;  // entities are extensible: odd ones are not ours to judge
    const auto& e = entity.get_object();
    if (r.string(e, "type") != "mention") continue;
    const auto mentioned = r.person(e, "mentioned");
    if (mentioned.id.empty() || mentioned.id != out.recipient.id) continue;
    bot_mentions.push_back(r.string(e, "text"));
    if (!mentioned.name.empty()) bot_name = mentioned.name;
  }
  if (is_group_conversation(out, is_group) && bot_mentions.empty()) return;
  out.text = command_words(out.text, bot_mentions, bot_name);
  out.what = activity::kind::command;
}

void read_invoke(reader& r, const json::object& doc, activity& out) {
  if (out.name != card_action_invoke) return;
  const auto& action = r.object(r.object(doc, "value"), "action");
  out.verb = r.string(action, "verb");
  // `data` may be missing or a string (someone else's card): still a card action, answered with
  // a card that says it is not ours, but without our action.
  if (const auto* data = action.if_contains("data")) read_card_data(r, *data, out);
  out.what = activity::kind::card_action;
}

bool has_member(const std::vector<account>& members, std::string_view id) {
  for (const auto& m : members) {
    if (!id.empty() && m.id == id) return true;
  }
  return false;
}

std::vector<account> accounts(reader& r, const json::object& doc, std::string_view key) {
  std::vector<account> out;
  for (const auto& member : r.array(doc, key)) {
    if (!member.is_object()) {
      r.refuse();
      return {};
    }
    const auto& m = member.get_object();
    out.push_back({r.string(m, "id"), r.string(m, "aadObjectId"), r.string(m, "name")});
  }
  return out;
}

}  // namespace

std::optional<activity> parse_activity(std::string_view body) {
  if (body.size() > max_activity_bytes) return std::nullopt;
  unsigned char buffer[parse_buffer_bytes];
  json::monotonic_resource memory(buffer, sizeof buffer);
  json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code error;
  const auto parsed = json::parse(body, error, &memory, options);
  if (error || !parsed.is_object()) return std::nullopt;
  const auto& doc = parsed.get_object();
  reader r;
  activity out;
  out.type = r.string(doc, "type");
  if (out.type.empty()) return std::nullopt;
  out.name = r.string(doc, "name");
  out.id = r.string(doc, "id");
  out.channel_id = r.string(doc, "channelId");
  out.service_url = r.string(doc, "serviceUrl");
  out.locale = r.string(doc, "locale");
  out.text = r.string(doc, "text");
  out.reply_to_id = r.string(doc, "replyToId");
  out.from = r.person(doc, "from");
  out.recipient = r.person(doc, "recipient");
  const auto& conversation = r.object(doc, "conversation");
  out.conversation_id = r.string(conversation, "id");
  out.conversation_type = r.string(conversation, "conversationType");
  const auto* group_flag = conversation.if_contains("isGroup");
  const auto is_group = group_flag != nullptr && group_flag->is_bool() && group_flag->get_bool();
  const auto& channel_data = r.object(doc, "channelData");
  out.tenant = r.string(conversation, "tenantId");
  if (out.tenant.empty()) out.tenant = r.string(r.object(channel_data, "tenant"), "id");
  out.team_id = r.string(r.object(channel_data, "team"), "id");
  if (!r.ok()) return std::nullopt;

  if (out.type == "message") {
    read_message(r, doc, is_group, out);
  } else if (out.type == "invoke") {
    read_invoke(r, doc, out);
  } else if (out.type == "conversationUpdate") {
    out.members_added = accounts(r, doc, "membersAdded");
    const auto removed = accounts(r, doc, "membersRemoved");
    out.bot_added = has_member(out.members_added, out.recipient.id);
    if (has_member(removed, out.recipient.id)) {
      out.what = activity::kind::uninstalled;
    } else if (!out.members_added.empty()) {
      out.what = activity::kind::installed;
    }
  } else if (out.type == "installationUpdate") {
    const auto action = r.string(doc, "action");
    if (action == "add" || action == "add-upgrade") {
      out.bot_added = true;
      out.what = activity::kind::installed;
    } else if (action == "remove" || action == "remove-upgrade") {
      out.what = activity::kind::uninstalled;
    }
  }
  if (!r.ok()) return std::nullopt;
  if (out.what != activity::kind::card_action && out.what != activity::kind::card_submit) {
    out.action.clear();
    out.value.clear();
  }
  if (out.what != activity::kind::command) out.text.clear();
  return out;
}

}  // namespace smrel::adapters::teams
