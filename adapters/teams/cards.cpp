#include "adapters/teams/cards.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "bot/domain/plain_text.hpp"

namespace smrel::adapters::teams {
namespace {

using namespace std::string_view_literals;  // appended without a strlen

// "2026-12-06T22:59:00Z": the RFC 3339 form Adaptive Cards' DATE and TIME functions take.
std::string rfc3339(std::int64_t unix_seconds) {
  const std::chrono::sys_seconds at{std::chrono::seconds{unix_seconds}};
  const auto day = std::chrono::floor<std::chrono::days>(at);
  const std::chrono::year_month_day civil{day};
  const std::chrono::hh_mm_ss time{at - day};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(civil.year()),
                static_cast<unsigned>(civil.month()), static_cast<unsigned>(civil.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return out;
}

// A text block's text with each instant it says (see domain::moment) as DATE/TIME functions, which
// Teams shows in each reader's own time zone and language (Dutch too). The fallback keeps the words.
std::string text_with_moments(const domain::block& b) {
  std::string out;
  domain::for_each_part(
      b, [&](std::string_view words) { out += words; },
      [&](const domain::moment& m) {
        const auto at = rfc3339(m.unix_seconds);
        out += "{{DATE(" + at + ", LONG)}}";
        if (m.with_time) out += " {{TIME(" + at + ")}}";
      });
  return out;
}

constexpr std::string_view card_version = "1.5";
constexpr std::string_view card_schema = "http://adaptivecards.io/schemas/adaptive-card.json";
constexpr std::string_view card_content_type = "application/vnd.microsoft.card.adaptive";
constexpr std::string_view error_content_type = "application/vnd.microsoft.error";
constexpr std::string_view message_content_type = "application/vnd.microsoft.activity.message";
constexpr std::size_t max_columns_per_row = 3;  // fields side by side; more wrap to a new row
// The host config's maxActions (5 by default, which the adaptivecards validator enforces; Teams
// folds more into an overflow menu): a longer row, like a pulse's 1–5 plus "can't judge",
// continues in a second set just below.
constexpr std::size_t max_actions_per_set = 5;
constexpr std::size_t max_summary_chars = 1000;  // a notification line, not the message
constexpr std::string_view chosen_mark = "✓ ";   // Teams has no "primary" button look (see write_action)
constexpr std::string_view omitted_note = "…";
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD, for invalid UTF-8
// A pulse card is about 10 KB: the usual card fits each thread's buffer from the start.
constexpr std::size_t usual_card_bytes = 16 * 1024;

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

// How many bytes from `at` (a byte ≥ 0x80) form a well-formed UTF-8 sequence (Unicode table 3-7),
// or, when they do not, minus the length of the well-formed start before the offending byte.
int utf8_sequence(std::string_view s, std::size_t at) {
  const auto lead = static_cast<unsigned char>(s[at]);
  int length = 0;
  unsigned char low = 0x80;  // the allowed range of the second byte
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;  // a continuation byte or a lead that never starts a sequence
  }
  for (int k = 1; k < length; ++k) {
    if (at + k >= s.size()) return -k;
    const auto c = static_cast<unsigned char>(s[at + k]);
    if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) return -k;
  }
  return length;
}

// Appends into a buffer the thread keeps, so that each append is a bounds check and a memcpy,
// inlined (a pulse card is some 500 short appends; std::string::append, a call each, was a third
// of the card's cost), and nothing is allocated or zeroed per card but the string handed out.
// One sink at a time per thread: cards are written one after the other.
class json_sink {
 public:
  json_sink() : out_(buffer()) {}
  json_sink(const json_sink&) = delete;
  json_sink& operator=(const json_sink&) = delete;

  std::string str() const { return std::string(out_.data(), at_); }
  std::size_t size() const { return at_; }

  // Appends again what was written from `from`, `length` bytes long (an escaped title, say).
  void repeat(std::size_t from, std::size_t length) {
    if (out_.size() - at_ < length) grow(length);  // before the copy: growing moves the bytes
    std::memcpy(out_.data() + at_, out_.data() + from, length);
    at_ += length;
  }

  // Forced inline: GCC otherwise keeps these as calls in the card's large functions, and a call
  // per literal was a quarter of the card's cost (card_bench); a literal's copy then has a
  // constant length.
  [[gnu::always_inline]] void append(std::string_view s) {
    if (s.empty()) return;  // an empty view may hold a null pointer, which memcpy must not see
    if (out_.size() - at_ < s.size()) grow(s.size());
    std::memcpy(out_.data() + at_, s.data(), s.size());
    at_ += s.size();
  }
  [[gnu::always_inline]] void push_back(char c) {
    if (out_.size() == at_) grow(1);
    out_[at_++] = c;
  }

 private:
  static std::string& buffer() {
    thread_local std::string kept(usual_card_bytes, '\0');  // grows to the largest card written
    return kept;
  }
  [[gnu::noinline]] void grow(std::size_t more) { out_.resize(std::max(out_.size() * 2, at_ + more)); }

  std::string& out_;
  std::size_t at_ = 0;
};

// Whether none of the eight bytes at `p` needs escaping or a UTF-8 check: printable ASCII other
// than '"' and '\\'. Eight at a time, as most text is exactly that.
bool eight_plain(const char* p) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::uint64_t x = 0;
  std::memcpy(&x, p, sizeof x);
  // Some byte is zero: exact as a whole, though not per byte (a borrow can mark a later one).
  const auto some_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  const auto control = (x - ones * 0x20) & ~x & highs;  // some byte below 0x20
  return ((x & highs) | control | some_zero(x ^ (ones * '"')) | some_zero(x ^ (ones * '\\'))) == 0;
}

// Appends `s` as the inside of a JSON string, escaped as nlohmann/json dumps it (short escapes,
// other control characters as \u00xx, UTF-8 kept as is) with each ill-formed UTF-8 sequence
// replaced by U+FFFD, like its error_handler_t::replace: the offending byte starts over, and a
// sequence cut short by the end of the text becomes one U+FFFD.
template <class Out>
void append_escaped(Out& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t run = 0;  // start of the bytes copied as they are
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.size() - i >= 8 && eight_plain(s.data() + i)) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int length = utf8_sequence(s, i);
      if (length > 0) {
        i += static_cast<std::size_t>(length);
        continue;
      }
      out.append(s.substr(run, i - run));
      out.append(replacement_character);
      const auto well_formed_start = static_cast<std::size_t>(-length);
      i = i + well_formed_start >= s.size() ? s.size() : i + std::max<std::size_t>(well_formed_start, 1);
      run = i;
      continue;
    }
    out.append(s.substr(run, i - run));
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      default:
        out.append("u00"sv);
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
    run = ++i;
  }
  out.append(s.substr(run));
}

template <class Out>
void append_string(Out& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

// Writes an Adaptive Card straight into one string, without a JSON tree: a pulse card is
// rendered on every click. Keys and fixed values are ASCII literals, written as they are; every
// text from the message goes through append_escaped.
class card_writer {
 public:
  explicit card_writer(json_sink& out) : out_(out) {}

  void card(const domain::message& m, std::size_t blocks, bool cut) {
    out_.append(R"({"type":"AdaptiveCard","$schema":")"sv);
    out_.append(card_schema);
    out_.append(R"(","version":")"sv);
    out_.append(card_version);
    out_.append(R"(","msteams":{"width":"Full"},"body":[)"sv);
    bool separate = false;
    for (std::size_t i = 0; i < blocks; ++i) {
      const auto& b = m.blocks[i];
      if (b.type == domain::block::kind::divider) {
        separate = body_elements_ > 0;  // a separator on the next element
        continue;
      }
      const auto before = body_elements_;
      // What only the block's first element carries.
      separate_next_ = separate;
      id_next_ = b.type == domain::block::kind::buttons ? std::string_view(b.id) : std::string_view();
      block(b);
      separate_next_ = false;
      id_next_ = {};
      if (body_elements_ > before) separate = false;
    }
    if (cut) {
      open_body_element();
      text_block(omitted_note, {});
      out_.push_back('}');
    }
    out_.append("]}"sv);
  }

 private:
  // Attributes a TextBlock gets from its block kind, beyond type, text and wrap.
  struct look {
    bool bolder = false;
    bool medium = false;
    bool small_subtle = false;
  };
  static constexpr look header_look{true, true, false};
  static constexpr look context_look{false, false, true};
  static constexpr look label_look{true, false, false};

  // Starts an element of the card's body: a comma after the one before, then what the block's
  // first element carries (a separator after a divider, the block id).
  void open_body_element() {
    if (body_elements_++ > 0) out_.push_back(',');
    out_.push_back('{');
    if (separate_next_) out_.append(R"("separator":true,"spacing":"Medium",)"sv);
    if (!id_next_.empty()) {
      out_.append(R"("id":)"sv);
      append_string(out_, id_next_);
      out_.push_back(',');
    }
    separate_next_ = false;
    id_next_ = {};
  }

  // The inside of a TextBlock object (after its "{").
  void text_block(std::string_view text, look l) {
    out_.append(R"("type":"TextBlock","text":)"sv);
    append_string(out_, text);
    out_.append(R"(,"wrap":true)"sv);
    if (l.bolder) out_.append(R"(,"weight":"Bolder")"sv);
    if (l.medium) out_.append(R"(,"size":"Medium")"sv);
    if (l.small_subtle) out_.append(R"(,"size":"Small","isSubtle":true)"sv);
  }

  // One TextBlock per line: a single line break inside a TextBlock is markdown's soft break, which
  // Teams may join into one line, so lines are kept apart by the layout instead; a blank line
  // becomes the default spacing before the next one. In the body, or (`nested`) inside a column
  // whose items already hold an element.
  void lines(std::string_view text, look l, bool nested) {
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
      if (nested) {
        out_.append(",{"sv);
      } else {
        open_body_element();
      }
      text_block(line, l);
      if (!first && !gap) out_.append(R"(,"spacing":"None")"sv);
      out_.push_back('}');
      first = false;
      gap = false;
    }
  }

  // A field is a label over its value ("Sales\n52 (47–57)"): a column with the label in bold.
  void field_column(std::string_view item) {
    const auto cut = item.find('\n');
    out_.append(R"({"type":"Column","width":"stretch","items":[{)"sv);
    text_block(item.substr(0, cut), label_look);
    out_.push_back('}');
    if (cut != std::string_view::npos) lines(item.substr(cut + 1), {}, true);
    out_.append("]}"sv);
  }

  void fields(const std::vector<std::string>& items) {
    for (std::size_t first = 0; first < items.size(); first += max_columns_per_row) {
      open_body_element();
      out_.append(R"("type":"ColumnSet","columns":[)"sv);
      for (std::size_t i = first; i < std::min(items.size(), first + max_columns_per_row); ++i) {
        if (i > first) out_.push_back(',');
        field_column(items[i]);
      }
      out_.append("]}"sv);
    }
  }

  void action_data(const domain::button& b) {
    out_.append(R"({"smrel":)"sv);
    append_string(out_, b.action);
    out_.append(R"(,"value":)"sv);
    append_string(out_, b.value);
    out_.push_back('}');
  }

  // Execute for clients with Universal Actions; the same data object through Submit for older
  // ones. Teams does not render positive/destructive action styles (cards reference), so the
  // chosen answer ("primary") is marked in its title instead, and "danger" relies on its words.
  void action(const domain::button& b) {
    // The title and the data are escaped once and written twice.
    out_.append(R"({"type":"Action.Execute","title":")"sv);
    const auto title = out_.size();
    if (b.look == domain::button::style::primary) out_.append(chosen_mark);
    append_escaped(out_, b.label);
    const auto title_length = out_.size() - title;
    out_.append(R"(","verb":)"sv);
    append_string(out_, b.action);
    out_.append(R"(,"data":)"sv);
    const auto data = out_.size();
    action_data(b);
    const auto data_length = out_.size() - data;
    out_.append(R"(,"fallback":{"type":"Action.Submit","title":")"sv);
    out_.repeat(title, title_length);
    out_.append(R"(","data":)"sv);
    out_.repeat(data, data_length);
    out_.append("}}"sv);
  }

  void buttons(const std::vector<domain::button>& row) {
    for (std::size_t first = 0; first < row.size(); first += max_actions_per_set) {
      open_body_element();
      out_.append(R"("type":"ActionSet",)"sv);
      if (first > 0) out_.append(R"("spacing":"Small",)"sv);  // the row goes on, under its start
      out_.append(R"("actions":[)"sv);
      for (std::size_t i = first; i < std::min(row.size(), first + max_actions_per_set); ++i) {
        if (i > first) out_.push_back(',');
        action(row[i]);
      }
      out_.append("]}"sv);
    }
  }

  void block(const domain::block& b) {
    switch (b.type) {
      case domain::block::kind::header:
        lines(b.text, header_look, false);
        break;
      case domain::block::kind::text:
        if (b.moments.empty()) {
          lines(b.text, {}, false);
        } else {
          lines(text_with_moments(b), {}, false);
        }
        break;
      case domain::block::kind::fields:
        fields(b.items);
        break;
      case domain::block::kind::context:
        for (const auto& item : b.items) lines(item, context_look, false);
        break;
      case domain::block::kind::buttons:
        buttons(b.buttons);  // the block id is unique within the message, so within the card
        break;
      case domain::block::kind::divider:
        break;
    }
  }

  json_sink& out_;
  std::size_t body_elements_ = 0;
  bool separate_next_ = false;
  std::string_view id_next_;
};

std::string summary(const domain::message& m) {
  auto text = m.fallback_text.empty() ? domain::plain_text(m) : m.fallback_text;
  return clip(text, max_summary_chars);
}

// The card between `before` and `after` (the JSON around it), with the first `blocks` blocks.
std::string wrapped_card(const domain::message& m, std::size_t blocks, bool cut, std::string_view before,
                         std::string_view after) {
  json_sink sink;
  sink.append(before);
  card_writer(sink).card(m, blocks, cut);
  sink.append(after);
  return sink.str();
}

// The largest card that fits max_card_bytes with the JSON around it: all blocks when they fit,
// otherwise the longest prefix that does (found by bisection: size grows with blocks), with the
// omission noted.
std::string fitted(const domain::message& m, std::string_view before, std::string_view after) {
  auto whole = wrapped_card(m, m.blocks.size(), false, before, after);
  if (whole.size() <= max_card_bytes) return whole;
  std::size_t fits = 0;  // the empty card with its note and a clipped summary is small
  std::size_t too_many = m.blocks.size();
  while (too_many - fits > 1) {
    const auto middle = fits + (too_many - fits) / 2;
    (wrapped_card(m, middle, true, before, after).size() <= max_card_bytes ? fits : too_many) = middle;
  }
  return wrapped_card(m, fits, true, before, after);
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string card_json(const domain::message& m) { return fitted(m, {}, {}); }

std::string message_activity(const domain::message& m) {
  std::string before = R"({"type":"message","summary":)";
  append_string(before, summary(m));
  before.append(R"(,"attachments":[{"contentType":")"sv);
  before.append(card_content_type);
  before.append(R"(","content":)"sv);
  return fitted(m, before, "}]}");
}

std::string invoke_card_response(const domain::message& m) {
  std::string before = R"({"statusCode":200,"type":")";
  before.append(card_content_type);
  before.append(R"(","value":)"sv);
  return fitted(m, before, "}");
}

std::string invoke_error_response(int status, std::string_view code, std::string_view message) {
  return dump({{"statusCode", status}, {"type", error_content_type}, {"value", {{"code", code}, {"message", message}}}});
}

std::string invoke_message_response(std::string_view text) {
  return dump({{"statusCode", 200}, {"type", message_content_type}, {"value", text}});
}

}  // namespace smrel::adapters::teams
