#pragma once
// A chat message in neutral form: the engine composes it once, and each platform adapter renders
// it (Slack Block Kit, Teams Adaptive Cards). Text is plain; emphasis comes from block kinds.
#include <cstdint>
#include <string>
#include <vector>

namespace smrel::domain {

struct button {
  enum class style : std::uint8_t { plain, primary, danger };
  std::string label;
  std::string action;  // what the click means to the engine, e.g. "answer", "forget_confirm"
  std::string value;   // opaque to adapters, checked by the engine on the way back
  style look = style::plain;
  /// What a screen reader says for the button when the label alone is terse ("4 — Agree" for
  /// "4"); empty: the label.
  std::string spoken = {};
};

struct block {
  enum class kind : std::uint8_t {
    header,   // a title line
    text,     // a paragraph
    fields,   // short label/value pairs shown side by side (`items`)
    context,  // small print (`items`)
    buttons,  // a row of buttons
    divider,
  };
  kind type = kind::text;
  std::string text;
  std::vector<std::string> items;
  std::vector<button> buttons;
  std::string id;  // stable block id, unique within the message
};

struct message {
  std::string fallback_text;  // notifications, screen readers, clients without blocks
  std::vector<block> blocks;
  bool visible_to_channel = false;  // default: only the person who asked sees it

  message& header(std::string text) { return add({block::kind::header, std::move(text), {}, {}, {}}); }
  message& text(std::string text) { return add({block::kind::text, std::move(text), {}, {}, {}}); }
  message& fields(std::vector<std::string> items) { return add({block::kind::fields, {}, std::move(items), {}, {}}); }
  message& context(std::vector<std::string> items) { return add({block::kind::context, {}, std::move(items), {}, {}}); }
  message& buttons(std::vector<button> row, std::string id = {}) {
    return add({block::kind::buttons, {}, {}, std::move(row), std::move(id)});
  }
  message& divider() { return add({block::kind::divider, {}, {}, {}, {}}); }
  message& add(block b) {
    blocks.push_back(std::move(b));
    return *this;
  }
};

}  // namespace smrel::domain
