#include "adapters/slack/blocks.hpp"

#include <nlohmann/json.hpp>

namespace smrel::adapters::slack {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_blocks_in_message = 50;
constexpr std::size_t max_blocks_in_view = 100;
constexpr std::size_t max_header_chars = 150;
constexpr std::size_t max_section_chars = 3000;
constexpr std::size_t max_field_chars = 2000;
constexpr std::size_t max_fields = 10;
constexpr std::size_t max_context_elements = 10;
constexpr std::size_t max_buttons = 25;
constexpr std::size_t max_button_label = 75;
constexpr std::size_t max_button_value = 2000;
constexpr std::size_t max_action_id = 255;
constexpr std::size_t max_fallback_chars = 4000;  // chat.update's limit, the strictest

// Cuts to at most `limit` code points, ending with "…" when cut; never splits a UTF-8 sequence.
std::string clip(std::string_view text, std::size_t limit) {
  std::size_t points = 0;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // inside a code point
    if (points == limit - 1) cut = i;                                      // leaves room for "…"
    if (++points > limit) return std::string(text.substr(0, cut)) + "…";
  }
  return std::string(text);
}

// Slack mrkdwn treats &, < and > as control characters.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

json plain(std::string_view text, std::size_t limit) {
  return {{"type", "plain_text"}, {"text", clip(text, limit)}, {"emoji", true}};
}
json markdown(std::string_view text, std::size_t limit) { return {{"type", "mrkdwn"}, {"text", clip(escape(text), limit)}}; }

json render_blocks(const domain::message& m, std::size_t max_blocks) {
  json blocks = json::array();
  for (const auto& b : m.blocks) {
    if (blocks.size() == max_blocks) break;
    json out;
    switch (b.type) {
      case domain::block::kind::header:
        out = {{"type", "header"}, {"text", plain(b.text, max_header_chars)}};
        break;
      case domain::block::kind::text:
        out = {{"type", "section"}, {"text", markdown(b.text, max_section_chars)}};
        break;
      case domain::block::kind::fields: {
        json fields = json::array();
        for (const auto& item : b.items) {
          if (fields.size() == max_fields) break;
          fields.push_back(markdown(item, max_field_chars));
        }
        out = {{"type", "section"}, {"fields", std::move(fields)}};
        break;
      }
      case domain::block::kind::context: {
        json elements = json::array();
        for (const auto& item : b.items) {
          if (elements.size() == max_context_elements) break;
          elements.push_back(markdown(item, max_field_chars));
        }
        out = {{"type", "context"}, {"elements", std::move(elements)}};
        break;
      }
      case domain::block::kind::buttons: {
        json elements = json::array();
        for (const auto& button : b.buttons) {
          if (elements.size() == max_buttons) break;
          json element{{"type", "button"},
                       {"text", plain(button.label, max_button_label)},
                       {"action_id", clip(button.action + "/" + button.value, max_action_id)},
                       {"value", button.value.substr(0, max_button_value)}};
          if (button.look == domain::button::style::primary) element["style"] = "primary";
          if (button.look == domain::button::style::danger) element["style"] = "danger";
          elements.push_back(std::move(element));
        }
        out = {{"type", "actions"}, {"elements", std::move(elements)}};
        break;
      }
      case domain::block::kind::divider:
        out = {{"type", "divider"}};
        break;
    }
    if (!b.id.empty()) out["block_id"] = b.id.substr(0, 255);
    blocks.push_back(std::move(out));
  }
  return blocks;
}

json message_body(const domain::message& m) {
  return {{"text", clip(escape(m.fallback_text), max_fallback_chars)}, {"blocks", render_blocks(m, max_blocks_in_message)}};
}

}  // namespace

std::string command_reply_json(const domain::message& m) {
  auto body = message_body(m);
  body["response_type"] = m.visible_to_channel ? "in_channel" : "ephemeral";
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string replace_original_json(const domain::message& m) {
  auto body = message_body(m);
  body["replace_original"] = true;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string post_message_json(std::string_view channel, const domain::message& m) {
  auto body = message_body(m);
  body["channel"] = channel;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string publish_home_json(std::string_view user, const domain::message& m) {
  json body{{"user_id", user}, {"view", {{"type", "home"}, {"blocks", render_blocks(m, max_blocks_in_view)}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace smrel::adapters::slack
