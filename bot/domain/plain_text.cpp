#include "bot/domain/plain_text.hpp"

#include <algorithm>

namespace smrel::domain {
namespace {

std::string joined(const std::vector<std::string>& items, std::string_view between) {
  std::string out;
  for (const auto& item : items) {
    if (item.empty()) continue;
    if (!out.empty()) out += between;
    out += item;
  }
  return out;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::string paragraph(const block& b) {
  switch (b.type) {
    case block::kind::header:
    case block::kind::text: return b.text;
    case block::kind::fields: {
      std::vector<std::string> fields;
      fields.reserve(b.items.size());
      for (const auto& item : b.items) fields.push_back(one_line(item));
      return joined(fields, " · ");
    }
    case block::kind::context: return joined(b.items, "\n");
    case block::kind::buttons:
    case block::kind::divider: break;
  }
  return {};
}

}  // namespace

std::string plain_text(const message& m) {
  std::string out;
  for (const auto& b : m.blocks) {
    auto text = paragraph(b);
    if (text.empty()) continue;
    if (!out.empty()) out += "\n\n";
    out += text;
  }
  return out;
}

}  // namespace smrel::domain
