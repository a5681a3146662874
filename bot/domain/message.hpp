#pragma once
// A chat message in neutral form: the engine composes it once, and each platform adapter renders
// it (Slack Block Kit, Teams Adaptive Cards). Text is plain; emphasis comes from block kinds.
#include <cstdint>
#include <string>
#include <string_view>
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

/// An instant a text block says in words: `in_words` appears in the block's text, as the engine
/// says it (in the company's time zone). A platform that can show an instant in each reader's own
/// time zone and language (Slack date tokens, Adaptive Cards DATE/TIME) shows it so instead;
/// everywhere else, and in the fallback text, the words stand.
struct moment {
  std::int64_t unix_seconds = 0;
  std::string in_words;
  bool with_time = true;  // a date and a time of day; false: a date only (anchor the instant at
                          // the company's local noon, so readers west and east see the same day)
  std::string language;   // of the sentence around it ("en", "nl"): a platform that cannot show
                          // the instant in it keeps the words
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
  std::vector<moment> moments;  // kind text: instants its text says in words, in order
};

/// Walks a text block's text in order: `words` for the text between moments, `at` for each moment
/// found there. A moment whose words do not follow the one before (the engine's slip, or text cut
/// short) stays words.
template <class Words, class At>
void for_each_part(const block& b, Words&& words, At&& at) {
  std::string_view rest = b.text;
  for (const auto& m : b.moments) {
    const auto found = m.in_words.empty() ? std::string_view::npos : rest.find(m.in_words);
    if (found == std::string_view::npos) continue;
    if (found > 0) words(rest.substr(0, found));
    at(m);
    rest.remove_prefix(found + m.in_words.size());
  }
  if (!rest.empty()) words(rest);
}

struct message {
  std::string fallback_text;  // notifications, screen readers, clients without blocks
  std::vector<block> blocks;
  bool visible_to_channel = false;  // default: only the person who asked sees it

  message& header(std::string text) { return add({block::kind::header, std::move(text), {}, {}, {}, {}}); }
  message& text(std::string text) { return add({block::kind::text, std::move(text), {}, {}, {}, {}}); }
  message& text(std::string text, std::vector<moment> moments) {
    return add({block::kind::text, std::move(text), {}, {}, {}, std::move(moments)});
  }
  message& fields(std::vector<std::string> items) {
    return add({block::kind::fields, {}, std::move(items), {}, {}, {}});
  }
  message& context(std::vector<std::string> items) {
    return add({block::kind::context, {}, std::move(items), {}, {}, {}});
  }
  message& buttons(std::vector<button> row, std::string id = {}) {
    return add({block::kind::buttons, {}, {}, std::move(row), std::move(id), {}});
  }
  message& divider() { return add({block::kind::divider, {}, {}, {}, {}, {}}); }
  message& add(block b) {
    blocks.push_back(std::move(b));
    return *this;
  }
};

}  // namespace smrel::domain
