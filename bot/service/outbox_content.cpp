#include "bot/service/outbox_content.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "scoring/iso_week.hpp"

namespace smrel::service {
namespace {

using json = nlohmann::json;

// Stored names, never renumbered: rows written by one version are read by the next.
constexpr std::array<std::string_view, 6> block_kinds{"header", "text", "fields", "context", "buttons", "divider"};
constexpr std::array<std::string_view, 3> button_styles{"plain", "primary", "danger"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, const json& j) {
  if (!j.is_string()) return std::nullopt;
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == j.get_ref<const std::string&>()) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

json member_json(const domain::member_key& who) {
  return {{"platform", domain::platform_id(who.workspace.on)}, {"workspace", who.workspace.id}, {"user", who.user}};
}

std::optional<domain::member_key> member_from(const json& j) {
  if (!j.is_object() || !j.contains("platform") || !j.contains("workspace") || !j.contains("user")) return std::nullopt;
  const auto& p = j["platform"];
  const auto& w = j["workspace"];
  const auto& u = j["user"];
  if (!p.is_string() || !w.is_string() || !u.is_string()) return std::nullopt;
  const auto on = domain::parse_platform(p.get_ref<const std::string&>());
  if (!on) return std::nullopt;
  return domain::member_key{{*on, w.get<std::string>()}, u.get<std::string>()};
}

json message_json(const domain::message& m) {
  json blocks = json::array();
  for (const auto& b : m.blocks) {
    json block{{"kind", block_kinds[static_cast<std::size_t>(b.type)]}};
    if (!b.text.empty()) block["text"] = b.text;
    if (!b.items.empty()) block["items"] = b.items;
    if (!b.id.empty()) block["id"] = b.id;
    if (!b.buttons.empty()) {
      json buttons = json::array();
      for (const auto& button : b.buttons) {
        json entry{{"label", button.label}, {"action", button.action}, {"value", button.value},
                   {"style", button_styles[static_cast<std::size_t>(button.look)]}};
        if (!button.spoken.empty()) entry["spoken"] = button.spoken;  // absent in older rows
        buttons.push_back(std::move(entry));
      }
      block["buttons"] = std::move(buttons);
    }
    if (!b.moments.empty()) {  // absent in older rows
      json moments = json::array();
      for (const auto& at : b.moments) {
        moments.push_back(
            {{"at", at.unix_seconds}, {"words", at.in_words}, {"with_time", at.with_time}, {"language", at.language}});
      }
      block["moments"] = std::move(moments);
    }
    blocks.push_back(std::move(block));
  }
  return {{"fallback", m.fallback_text}, {"to_channel", m.visible_to_channel}, {"blocks", std::move(blocks)}};
}

std::string string_or_empty(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::optional<domain::message> message_from(const json& j) {
  if (!j.is_object() || !j.contains("blocks") || !j["blocks"].is_array()) return std::nullopt;
  domain::message m;
  m.fallback_text = string_or_empty(j, "fallback");
  m.visible_to_channel = j.value("to_channel", false);
  for (const auto& b : j["blocks"]) {
    if (!b.is_object() || !b.contains("kind")) return std::nullopt;
    const auto kind = parse_name<domain::block::kind>(block_kinds, b["kind"]);
    if (!kind) return std::nullopt;
    domain::block block;
    block.type = *kind;
    block.text = string_or_empty(b, "text");
    block.id = string_or_empty(b, "id");
    if (const auto items = b.find("items"); items != b.end()) {
      if (!items->is_array()) return std::nullopt;
      for (const auto& item : *items) {
        if (!item.is_string()) return std::nullopt;
        block.items.push_back(item.get<std::string>());
      }
    }
    if (const auto buttons = b.find("buttons"); buttons != b.end()) {
      if (!buttons->is_array()) return std::nullopt;
      for (const auto& button : *buttons) {
        if (!button.is_object()) return std::nullopt;
        const auto style = button.contains("style") ? parse_name<domain::button::style>(button_styles, button["style"])
                                                    : std::optional(domain::button::style::plain);
        if (!style) return std::nullopt;
        block.buttons.push_back({string_or_empty(button, "label"), string_or_empty(button, "action"),
                                 string_or_empty(button, "value"), *style, string_or_empty(button, "spoken")});
      }
    }
    if (const auto moments = b.find("moments"); moments != b.end()) {
      if (!moments->is_array()) return std::nullopt;
      for (const auto& at : *moments) {
        if (!at.is_object() || !at.contains("at") || !at["at"].is_number_integer()) return std::nullopt;
        const auto with_time = at.find("with_time");
        block.moments.push_back({at["at"].get<std::int64_t>(), string_or_empty(at, "words"),
                                 with_time == at.end() || !with_time->is_boolean() || with_time->get<bool>(),
                                 string_or_empty(at, "language")});
      }
    }
    m.blocks.push_back(std::move(block));
  }
  return m;
}

std::optional<std::int64_t> integer_at(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

std::string encode_content(const outbox_content& content) {
  if (const auto* m = std::get_if<domain::message>(&content)) return json{{"message", message_json(*m)}}.dump();
  if (const auto* post = std::get_if<post_with_notice>(&content)) {
    return json{{"post",
                 {{"message", message_json(post->message)}, {"notice_to", post->notice_to}, {"notice", message_json(post->notice)}}}}
        .dump();
  }
  if (const auto* post = std::get_if<unattended_post>(&content)) {
    return json{{"unattended",
                 {{"message", message_json(post->message)},
                  {"platform", domain::platform_id(post->workspace.on)},
                  {"workspace", post->workspace.id},
                  {"week", post->week}}}}
        .dump();
  }
  if (const auto* note = std::get_if<direct_note>(&content)) {
    auto j = member_json(note->who);
    j["message"] = message_json(note->message);
    return json{{"direct", std::move(j)}}.dump();
  }
  if (const auto* pulse = std::get_if<pulse_ref>(&content)) {
    auto j = member_json(pulse->who);
    j["pulse"] = pulse->pulse_id;
    if (pulse->weekly_dm) j["dm"] = true;  // absent in rows queued before it existed: false
    if (pulse->reminder) j["reminder"] = true;
    return json{{"pulse", std::move(j)}}.dump();
  }
  return json{{"home", member_json(std::get<home_ref>(content).who)}}.dump();
}

std::optional<outbox_content> decode_content(std::string_view text) {
  const auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.size() != 1) return std::nullopt;
  if (const auto it = j.find("message"); it != j.end()) {
    auto m = message_from(*it);
    if (!m) return std::nullopt;
    return outbox_content{std::move(*m)};
  }
  if (const auto it = j.find("pulse"); it != j.end()) {
    const auto who = member_from(*it);
    const auto pulse = it->is_object() ? integer_at(*it, "pulse") : std::nullopt;
    if (!who || !pulse) return std::nullopt;
    const auto flag = [&](const char* name) -> std::optional<bool> {
      const auto found = it->find(name);
      if (found == it->end()) return false;
      if (!found->is_boolean()) return std::nullopt;
      return found->get<bool>();
    };
    const auto dm = flag("dm");
    const auto reminder = flag("reminder");
    if (!dm || !reminder) return std::nullopt;
    return outbox_content{pulse_ref{*who, *pulse, *dm, *reminder}};
  }
  if (const auto it = j.find("post"); it != j.end()) {
    if (!it->is_object() || !it->contains("message") || !it->contains("notice")) return std::nullopt;
    auto message = message_from((*it)["message"]);
    auto notice = message_from((*it)["notice"]);
    auto notice_to = string_or_empty(*it, "notice_to");
    if (!message || !notice || notice_to.empty()) return std::nullopt;
    return outbox_content{post_with_notice{std::move(*message), std::move(notice_to), std::move(*notice)}};
  }
  if (const auto it = j.find("unattended"); it != j.end()) {
    if (!it->is_object() || !it->contains("message")) return std::nullopt;
    auto message = message_from((*it)["message"]);
    const auto on = domain::parse_platform(string_or_empty(*it, "platform"));
    auto workspace = string_or_empty(*it, "workspace");
    auto week = string_or_empty(*it, "week");
    if (!message || !on || workspace.empty() || !scoring::iso_week::parse(week)) return std::nullopt;
    return outbox_content{unattended_post{std::move(*message), {*on, std::move(workspace)}, std::move(week)}};
  }
  if (const auto it = j.find("direct"); it != j.end()) {
    auto who = member_from(*it);
    auto message = it->is_object() && it->contains("message") ? message_from((*it)["message"]) : std::nullopt;
    if (!who || !message) return std::nullopt;
    return outbox_content{direct_note{std::move(*who), std::move(*message)}};
  }
  if (const auto it = j.find("home"); it != j.end()) {
    const auto who = member_from(*it);
    if (!who) return std::nullopt;
    return outbox_content{home_ref{*who}};
  }
  return std::nullopt;
}

std::string workspace_marker(const domain::workspace_ref& workspace) {
  return "\"workspace\":" + json(workspace.id).dump();
}

storage::outbox_message make_row(domain::platform on, storage::outbox_kind kind, std::string address,
                                 const outbox_content& content, domain::time_point now) {
  storage::outbox_message out;
  out.on = on;
  out.kind = kind;
  out.address = std::move(address);
  out.content = encode_content(content);
  out.next_attempt_at = now;
  return out;
}

}  // namespace smrel::service
