#include "adapters/teams/cards.hpp"

#include <nlohmann/json.hpp>

#include "bot/domain/plain_text.hpp"

namespace smrel::adapters::teams {
namespace {

using json = nlohmann::json;

constexpr std::string_view card_version = "1.5";
constexpr std::string_view card_schema = "http://adaptivecards.io/schemas/adaptive-card.json";
constexpr std::string_view card_content_type = "application/vnd.microsoft.card.adaptive";
constexpr std::string_view error_content_type = "application/vnd.microsoft.error";
constexpr std::size_t max_columns_per_row = 3;  // fields side by side; more wrap to a new row
// The host config's maxActions (5 by default, which the adaptivecards validator enforces; Teams
// folds more into an overflow menu): a longer row, like a pulse's 1–5 plus "can't judge",
// continues in a second set just below.
constexpr std::size_t max_actions_per_set = 5;
constexpr std::size_t max_summary_chars = 1000;  // a notification line, not the message
constexpr std::string_view chosen_mark = "✓ ";   // Teams has no "primary" button look (see button_action)
constexpr std::string_view omitted_note = "…";

// Cuts to at most `limit` code points, ending with "…" when cut; never splits a UTF-8 sequence.
std::string clip(std::string_view text, std::size_t limit) {
  std::size_t points = 0;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (points == limit - 1) cut = i;
    if (++points > limit) return std::string(text.substr(0, cut)) + "…";
  }
  return std::string(text);
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json text_block(std::string_view text) { return {{"type", "TextBlock"}, {"text", text}, {"wrap", true}}; }

// One TextBlock per line: a single line break inside a TextBlock is markdown's soft break, which
// Teams may join into one line, so lines are kept apart by the layout instead; a blank line
// becomes the default spacing before the next one.
void add_lines(json& body, std::string_view text, const json& look) {
  bool first = true;
  bool gap = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      gap = !first;
      continue;
    }
    auto block = text_block(line);
    block.update(look);
    if (!first && !gap) block["spacing"] = "None";
    body.push_back(std::move(block));
    first = false;
    gap = false;
  }
}

// A field is a label over its value ("Sales\n52 (47–57)"): a column with the label in bold.
json field_column(std::string_view item) {
  const auto cut = item.find('\n');
  json items = json::array();
  items.push_back(text_block(item.substr(0, cut)));
  items.back()["weight"] = "Bolder";
  if (cut != std::string_view::npos) add_lines(items, item.substr(cut + 1), json::object());
  return {{"type", "Column"}, {"width", "stretch"}, {"items", std::move(items)}};
}

void add_fields(json& body, const std::vector<std::string>& fields) {
  for (std::size_t first = 0; first < fields.size(); first += max_columns_per_row) {
    json columns = json::array();
    for (std::size_t i = first; i < std::min(fields.size(), first + max_columns_per_row); ++i) {
      columns.push_back(field_column(fields[i]));
    }
    body.push_back({{"type", "ColumnSet"}, {"columns", std::move(columns)}});
  }
}

// Execute for clients with Universal Actions; the same data object through Submit for older
// ones. Teams does not render positive/destructive action styles (cards reference), so the
// chosen answer ("primary") is marked in its title instead, and "danger" relies on its words.
json button_action(const domain::button& b) {
  const json data{{"smrel", b.action}, {"value", b.value}};
  const auto title = b.look == domain::button::style::primary ? std::string(chosen_mark) + b.label : b.label;
  return {{"type", "Action.Execute"},
          {"title", title},
          {"verb", b.action},
          {"data", data},
          {"fallback", {{"type", "Action.Submit"}, {"title", title}, {"data", data}}}};
}

void add_block(json& body, const domain::block& b) {
  const auto before = body.size();
  switch (b.type) {
    case domain::block::kind::header:
      add_lines(body, b.text, {{"weight", "Bolder"}, {"size", "Medium"}});
      break;
    case domain::block::kind::text:
      add_lines(body, b.text, json::object());
      break;
    case domain::block::kind::fields:
      add_fields(body, b.items);
      break;
    case domain::block::kind::context:
      for (const auto& item : b.items) add_lines(body, item, {{"size", "Small"}, {"isSubtle", true}});
      break;
    case domain::block::kind::buttons:
      for (std::size_t first = 0; first < b.buttons.size(); first += max_actions_per_set) {
        json actions = json::array();
        for (std::size_t i = first; i < std::min(b.buttons.size(), first + max_actions_per_set); ++i) {
          actions.push_back(button_action(b.buttons[i]));
        }
        json set{{"type", "ActionSet"}, {"actions", std::move(actions)}};
        if (first > 0) set["spacing"] = "Small";  // the row goes on, under its start
        body.push_back(std::move(set));
      }
      break;
    case domain::block::kind::divider:
      break;  // a separator on the next element (see card)
  }
  if (body.size() > before && !b.id.empty() && b.type == domain::block::kind::buttons) {
    body[before]["id"] = b.id;  // unique within the message, so within the card
  }
}

json card(const domain::message& m, std::size_t blocks, bool cut) {
  json body = json::array();
  bool separate = false;
  for (std::size_t i = 0; i < blocks; ++i) {
    const auto& b = m.blocks[i];
    if (b.type == domain::block::kind::divider) {
      separate = !body.empty();
      continue;
    }
    const auto before = body.size();
    add_block(body, b);
    if (separate && body.size() > before) {
      body[before]["separator"] = true;
      body[before]["spacing"] = "Medium";
      separate = false;
    }
  }
  if (cut) body.push_back(text_block(omitted_note));
  return {{"type", "AdaptiveCard"},
          {"$schema", card_schema},
          {"version", card_version},
          {"msteams", {{"width", "Full"}}},
          {"body", std::move(body)}};
}

std::string summary(const domain::message& m) {
  auto text = m.fallback_text.empty() ? domain::plain_text(m) : m.fallback_text;
  return clip(text, max_summary_chars);
}

// The largest card whose wrapper (built by `wrap`) fits max_card_bytes: all blocks when they fit,
// otherwise the longest prefix that does (found by bisection: size grows with blocks), with the
// omission noted.
template <typename Wrap>
std::string fitted(const domain::message& m, Wrap wrap) {
  auto whole = dump(wrap(card(m, m.blocks.size(), false)));
  if (whole.size() <= max_card_bytes) return whole;
  std::size_t fits = 0;  // the empty card with its note and a clipped summary is small
  std::size_t too_many = m.blocks.size();
  while (too_many - fits > 1) {
    const auto middle = fits + (too_many - fits) / 2;
    (dump(wrap(card(m, middle, true))).size() <= max_card_bytes ? fits : too_many) = middle;
  }
  return dump(wrap(card(m, fits, true)));
}

}  // namespace

std::string card_json(const domain::message& m) {
  return fitted(m, [](json c) { return c; });
}

std::string message_activity(const domain::message& m) {
  const auto text = summary(m);
  return fitted(m, [&](json c) {
    return json{{"type", "message"},
                {"summary", text},
                {"attachments", json::array({{{"contentType", card_content_type}, {"content", std::move(c)}}})}};
  });
}

std::string invoke_card_response(const domain::message& m) {
  return fitted(m, [](json c) { return json{{"statusCode", 200}, {"type", card_content_type}, {"value", std::move(c)}}; });
}

std::string invoke_error_response(int status, std::string_view code, std::string_view message) {
  return dump({{"statusCode", status}, {"type", error_content_type}, {"value", {{"code", code}, {"message", message}}}});
}

}  // namespace smrel::adapters::teams
