#include "bot/storage/postgres/rows.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

namespace smrel::storage::postgres::rows {

std::int64_t to_ms(time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
time_point from_ms(std::int64_t ms) {
  return time_point{std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds{ms})};
}

scoring::iso_week parse_week(const std::string& text) {
  const auto week = scoring::iso_week::parse(text);
  if (!week) throw store_error("corrupt week in database: " + text, store_failure::corrupt);
  return *week;
}

scoring::group parse_group(const std::string& text) {
  const auto g = scoring::parse_group(text);
  if (!g) throw store_error("corrupt group in database: " + text, store_failure::corrupt);
  return *g;
}

domain::platform parse_platform(const std::string& text) {
  const auto p = domain::parse_platform(text);
  if (!p) throw store_error("corrupt platform in database: " + text, store_failure::corrupt);
  return *p;
}

std::string encode_items(const scoring::pulse_block& items) {
  std::string out;
  for (const auto k : items) {
    if (!out.empty()) out += ',';
    out += scoring::statements()[k].id;
  }
  return out;
}

scoring::pulse_block decode_items(const std::string& text) {
  scoring::pulse_block items{};
  std::size_t n = 0;
  std::size_t start = 0;
  while (start <= text.size() && n < items.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const auto index = scoring::statement_index(std::string_view(text).substr(start, end - start));
    if (!index) throw store_error("corrupt delivery items in database: " + text, store_failure::corrupt);
    items[n++] = static_cast<std::uint8_t>(*index);
    start = end + 1;
  }
  if (n != items.size()) throw store_error("corrupt delivery items in database: " + text, store_failure::corrupt);
  return items;
}

outbox_status parse_status(const std::string& text) {
  if (text == "sending") return outbox_status::sending;
  if (text == "sent") return outbox_status::sent;
  if (text == "dead") return outbox_status::dead;
  return outbox_status::pending;
}

outbox_kind parse_kind(const std::string& text) {
  const auto kind = parse_outbox_kind(text);
  if (!kind) throw store_error("corrupt outbox kind in database: " + text, store_failure::corrupt);
  return *kind;
}

std::string encode_string_list(const std::vector<std::string>& items) {
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : item) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (byte < 0x20) {  // control characters must be escaped in JSON
        out += "\\u00";
        out += hex[byte >> 4];
        out += hex[byte & 0xf];
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

param text_or_null(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

member read_member(const result& r, int row) {
  member m;
  m.id = r.integer(row, 0);
  m.key.workspace.on = parse_platform(r.text(row, 1));
  m.key.workspace.id = r.text(row, 2);
  m.key.user = r.text(row, 3);
  m.group = parse_group(r.text(row, 4));
  m.locale = r.text(row, 5) == "nl" ? scoring::locale::nl : scoring::locale::en;
  m.opted_out = r.integer(row, 6) != 0;
  m.joined_at = from_ms(r.integer(row, 7));
  m.unreachable = r.integer(row, 8) != 0;
  m.kind = domain::parse_person_kind(r.text(row, 9)).value_or(domain::person_kind::person);
  if (!r.is_null(row, 10)) m.looked_up_at = from_ms(r.integer(row, 10));
  return m;
}

pulse read_pulse(const result& r, int row) {
  pulse p;
  p.id = r.integer(row, 0);
  p.workspace.on = parse_platform(r.text(row, 1));
  p.workspace.id = r.text(row, 2);
  p.week = parse_week(r.text(row, 3));
  p.opened_at = from_ms(r.integer(row, 4));
  p.closes_at = from_ms(r.integer(row, 5));
  return p;
}

delivery read_delivery(const result& r, int row) {
  delivery d;
  d.id = r.integer(row, 0);
  d.pulse_id = r.integer(row, 1);
  d.member_id = r.integer(row, 2);
  d.items = decode_items(r.text(row, 3));
  d.delivered_at = from_ms(r.integer(row, 4));
  d.sent.conversation.address = r.text(row, 5);
  d.sent.id = r.text(row, 6);
  d.instrument = static_cast<std::uint8_t>(r.integer(row, 7));
  d.sent.conversation.on = parse_platform(r.text(row, 8));
  return d;
}

answer_record read_answer(const result& r, int row) {
  answer_record a;
  a.week = parse_week(r.text(row, 0));
  a.pseudonym = r.text(row, 1);
  a.group = parse_group(r.text(row, 2));
  a.item = static_cast<std::uint8_t>(r.integer(row, 3));
  a.value = static_cast<std::uint8_t>(r.integer(row, 4));
  a.pulse_id = r.integer(row, 5);
  a.answered_at = from_ms(r.integer(row, 6));
  a.instrument = static_cast<std::uint8_t>(r.integer(row, 7));
  return a;
}

outbox_message read_outbox(const result& r, int row) {
  outbox_message m;
  m.id = r.integer(row, 0);
  m.on = parse_platform(r.text(row, 1));
  m.kind = parse_kind(r.text(row, 2));
  m.address = r.text(row, 3);
  m.content = r.text(row, 4);
  m.dedupe_key = r.text(row, 5);
  m.status = parse_status(r.text(row, 6));
  m.attempts = static_cast<int>(r.integer(row, 7));
  m.next_attempt_at = from_ms(r.integer(row, 8));
  m.last_error = r.text(row, 9);
  m.claim = r.integer(row, 10);
  return m;
}

}  // namespace smrel::storage::postgres::rows
