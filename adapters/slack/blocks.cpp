#include "adapters/slack/blocks.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <set>

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
constexpr std::size_t max_identifier = 255;  // action_id and block_id
constexpr std::size_t max_fallback_chars = 4000;  // chat.update's limit, the strictest

// How long Slack takes a text to be, per code point starting with `lead`. Its limits are in
// characters, counted by its validators either as code points or as UTF-16 units; counting UTF-16
// units (a code point above U+FFFF, such as most emoji, is two) is the stricter, so a text within
// it is within both.
std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;  // a stray continuation byte: the JSON writer replaces it, one character
}

// Each code point of `text` as it is sent (escaped for mrkdwn when `markup`: Slack treats &, < and
// > as control characters), with its length in UTF-16 units.
template <class Visit>
void for_each_sent_piece(std::string_view text, bool markup, Visit&& visit) {
  for (std::size_t i = 0; i < text.size();) {
    const auto length = std::min(utf8_sequence_length(static_cast<unsigned char>(text[i])), text.size() - i);
    const auto piece = text.substr(i, length);
    i += length;
    if (markup && piece == "&") {
      visit(std::string_view("&amp;"), 5);
    } else if (markup && piece == "<") {
      visit(std::string_view("&lt;"), 4);
    } else if (markup && piece == ">") {
      visit(std::string_view("&gt;"), 4);
    } else {
      visit(piece, length == 4 ? 2 : 1);
    }
  }
}

// `text` as sent, at most `limit` characters long, ending with "…" when cut. It is cut before it
// is escaped, so an entity is never split ("&am…" would show as such), and between code points.
std::string fit(std::string_view text, std::size_t limit, bool markup) {
  std::size_t total = 0;
  for_each_sent_piece(text, markup, [&](std::string_view, std::size_t units) { total += units; });
  std::string out;
  out.reserve(text.size());
  const std::size_t budget = total <= limit ? limit : limit - 1;  // room for "…"
  std::size_t used = 0;
  bool cut = false;
  for_each_sent_piece(text, markup, [&](std::string_view piece, std::size_t units) {
    if (cut || used + units > budget) {
      cut = true;
      return;
    }
    used += units;
    out += piece;
  });
  if (cut) out += "…";
  return out;
}

// A 64-bit FNV-1a digest in hex: a short stand-in for an identifier too long for Slack.
std::string digest_of(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<std::size_t>(i)] = hex[hash & 0xF];
  return out;
}

// An identifier (action_id, block_id) within Slack's 255 characters. One that is longer keeps its
// beginning (where a click's action is read back, before the '/') and ends with a digest of the
// whole, so two long identifiers that start alike stay apart.
std::string fit_identifier(const std::string& id) {
  if (id.size() <= max_identifier) return id;
  const auto digest = digest_of(id);
  std::string head = id.substr(0, max_identifier - digest.size() - 1);
  while (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) head.pop_back();
  if (!head.empty() && static_cast<unsigned char>(head.back()) >= 0xC0) head.pop_back();  // a cut lead byte
  return head + "~" + digest;
}

// Slack refuses a message whose identifiers repeat; a repeat (an engine slip, or two long ids cut
// alike) gets a numbered suffix rather than failing the whole message.
std::string unique_identifier(std::string id, std::set<std::string>& taken) {
  id = fit_identifier(id);
  for (int n = 2; !taken.insert(id).second; ++n) {
    id = fit_identifier(id.substr(0, max_identifier - 4) + "~" + std::to_string(n));
  }
  return id;
}

json plain(std::string_view text, std::size_t limit) {
  return {{"type", "plain_text"}, {"text", fit(text, limit, false)}, {"emoji", true}};
}
json markdown(std::string_view text, std::size_t limit) { return {{"type", "mrkdwn"}, {"text", fit(text, limit, true)}}; }

// A date token Slack shows in each reader's own time zone, with the engine's words as its fallback
// (https://api.slack.com/reference/surfaces/formatting#date-formatting).
std::string date_token(const domain::moment& m) {
  std::string out = "<!date^" + std::to_string(m.unix_seconds) +
                    (m.with_time ? "^{date_long_pretty} at {time}|" : "^{date_long_pretty}|");
  for_each_sent_piece(m.in_words, true, [&](std::string_view piece, std::size_t) { out += piece; });
  return out + ">";
}

// A text block whose text says instants (see domain::moment): each becomes a date token when its
// sentence is in English (Slack's clients show no Dutch, and an English date inside a Dutch
// sentence reads worse than the company's time), if the whole fits; otherwise the words stand.
json text_with_moments(const domain::block& b, std::size_t limit) {
  std::string out;
  std::size_t units = 0;
  const auto add_words = [&](std::string_view words) {
    for_each_sent_piece(words, true, [&](std::string_view piece, std::size_t n) {
      out += piece;
      units += n;
    });
  };
  domain::for_each_part(b, add_words, [&](const domain::moment& m) {
    if (m.language != "en") return add_words(m.in_words);
    const auto token = date_token(m);
    out += token;
    units += token.size();  // counted as sent: the token's own characters
  });
  if (units > limit) return markdown(b.text, limit);
  return {{"type", "mrkdwn"}, {"text", std::move(out)}};
}

// A field is a label over its value ("Sales\n52 (47–57)"): the label in bold, as Teams shows it.
// Only when the label holds none of mrkdwn's marks (an asterisk in it would end the bold early)
// and the field fits whole; otherwise it is sent as plain mrkdwn, clipped as usual.
json labelled_field(std::string_view item, std::size_t limit) {
  const auto cut = item.find('\n');
  if (cut == std::string_view::npos || cut == 0) return markdown(item, limit);
  const auto label = item.substr(0, cut);
  if (label.find_first_of("*_~`") != std::string_view::npos || label.front() == ' ' || label.back() == ' ') {
    return markdown(item, limit);
  }
  std::size_t units = 2;  // the two asterisks
  for_each_sent_piece(item, true, [&](std::string_view, std::size_t n) { units += n; });
  if (units > limit) return markdown(item, limit);
  return {{"type", "mrkdwn"}, {"text", "*" + fit(label, limit, true) + "*" + fit(item.substr(cut), limit, true)}};
}

json render_blocks(const domain::message& m, std::size_t max_blocks) {
  json blocks = json::array();
  std::set<std::string> block_ids;
  std::set<std::string> action_ids;
  for (const auto& b : m.blocks) {
    if (blocks.size() == max_blocks) break;
    // Slack refuses the whole message over one empty block: an empty one is left out.
    // (Fields and context items are checked one by one below.)
    const bool has_text = b.type == domain::block::kind::header || b.type == domain::block::kind::text;
    if ((has_text && b.text.empty()) || (b.type == domain::block::kind::buttons && b.buttons.empty())) continue;
    json out;
    switch (b.type) {
      case domain::block::kind::header:
        out = {{"type", "header"}, {"text", plain(b.text, max_header_chars)}};
        break;
      case domain::block::kind::text:
        out = {{"type", "section"},
               {"text",
                b.moments.empty() ? markdown(b.text, max_section_chars) : text_with_moments(b, max_section_chars)}};
        break;
      case domain::block::kind::fields: {
        json fields = json::array();
        for (const auto& item : b.items) {
          if (fields.size() == max_fields) break;
          if (!item.empty()) fields.push_back(labelled_field(item, max_field_chars));
        }
        if (fields.empty()) continue;
        out = {{"type", "section"}, {"fields", std::move(fields)}};
        break;
      }
      case domain::block::kind::context: {
        json elements = json::array();
        for (const auto& item : b.items) {
          if (elements.size() == max_context_elements) break;
          if (!item.empty()) elements.push_back(markdown(item, max_field_chars));
        }
        if (elements.empty()) continue;
        out = {{"type", "context"}, {"elements", std::move(elements)}};
        break;
      }
      case domain::block::kind::buttons: {
        json elements = json::array();
        for (const auto& button : b.buttons) {
          if (elements.size() == max_buttons) break;
          json element{{"type", "button"},
                       {"text", plain(button.label, max_button_label)},
                       {"action_id", unique_identifier(button.action + "/" + button.value, action_ids)},
                       {"value", button.value.substr(0, max_button_value)}};
          if (!button.spoken.empty()) element["accessibility_label"] = fit(button.spoken, max_button_label, false);
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
    if (!b.id.empty()) out["block_id"] = unique_identifier(b.id, block_ids);
    blocks.push_back(std::move(out));
  }
  return blocks;
}

json message_body(const domain::message& m) {
  return {{"text", fit(m.fallback_text, max_fallback_chars, true)}, {"blocks", render_blocks(m, max_blocks_in_message)}};
}

// A reply where a command or click came from: ephemeral unless the message says otherwise.
json reply_body(const domain::message& m) {
  auto body = message_body(m);
  body["response_type"] = m.visible_to_channel ? "in_channel" : "ephemeral";
  return body;
}

// Invalid UTF-8 in a text becomes U+FFFD rather than an exception on the send path.
std::string sent(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string command_reply_json(const domain::message& m) { return sent(reply_body(m)); }

std::string reply_json(const domain::message& m) {
  auto body = reply_body(m);
  body["replace_original"] = false;
  return sent(body);
}

std::string replace_original_json(const domain::message& m) {
  auto body = message_body(m);
  body["replace_original"] = true;
  return sent(body);
}

std::string post_message_json(std::string_view channel, const domain::message& m) {
  auto body = message_body(m);
  body["channel"] = channel;
  return sent(body);
}

std::string update_message_json(std::string_view channel, std::string_view ts, const domain::message& m) {
  auto body = message_body(m);
  body["channel"] = channel;
  body["ts"] = ts;
  return sent(body);
}

std::string publish_home_json(std::string_view user, const domain::message& m) {
  return sent({{"user_id", user}, {"view", {{"type", "home"}, {"blocks", render_blocks(m, max_blocks_in_view)}}}});
}

}  // namespace smrel::adapters::slack
