#include "bot/storage/sqlite/rows.hpp"

#include <algorithm>
#include <chrono>

namespace smrel::storage::sqlite::rows {

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
      } else if (byte < 0x20) {  // control characters must be escaped in JSON; bytes above pass as they are
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


member read_member(const statement& row) {
  member m;
  m.id = row.integer(0);
  m.key.workspace.on = parse_platform(row.text(1));
  m.key.workspace.id = row.text(2);
  m.key.user = row.text(3);
  m.group = parse_group(row.text(4));
  m.locale = row.text(5) == "nl" ? scoring::locale::nl : scoring::locale::en;
  m.opted_out = row.integer(6) != 0;
  m.joined_at = from_ms(row.integer(7));
  m.unreachable = row.integer(8) != 0;
  m.kind = domain::parse_person_kind(row.text(9)).value_or(domain::person_kind::person);
  if (!row.is_null(10)) m.looked_up_at = from_ms(row.integer(10));
  return m;
}

pulse read_pulse(const statement& row) {
  pulse p;
  p.id = row.integer(0);
  p.workspace.on = parse_platform(row.text(1));
  p.workspace.id = row.text(2);
  p.week = parse_week(row.text(3));
  p.opened_at = from_ms(row.integer(4));
  p.closes_at = from_ms(row.integer(5));
  return p;
}

delivery read_delivery(const statement& row) {
  delivery d;
  d.id = row.integer(0);
  d.pulse_id = row.integer(1);
  d.member_id = row.integer(2);
  d.items = decode_items(row.text(3));
  d.delivered_at = from_ms(row.integer(4));
  d.sent.conversation.address = row.text(5);
  d.sent.id = row.text(6);
  d.instrument = static_cast<std::uint8_t>(row.integer(7));
  d.sent.conversation.on = parse_platform(row.text(8));
  return d;
}

answer_record read_answer(const statement& row) {
  answer_record a;
  a.week = parse_week(row.text(0));
  a.pseudonym = row.text(1);
  a.group = parse_group(row.text(2));
  a.item = static_cast<std::uint8_t>(row.integer(3));
  a.value = static_cast<std::uint8_t>(row.integer(4));
  a.pulse_id = row.integer(5);
  a.answered_at = from_ms(row.integer(6));
  a.instrument = static_cast<std::uint8_t>(row.integer(7));
  return a;
}

outbox_message read_outbox(const statement& row) {
  outbox_message m;
  m.id = row.integer(0);
  m.on = parse_platform(row.text(1));
  m.kind = parse_kind(row.text(2));
  m.address = row.text(3);
  m.content = row.text(4);
  m.dedupe_key = row.text(5);
  m.status = parse_status(row.text(6));
  m.attempts = static_cast<int>(row.integer(7));
  m.next_attempt_at = from_ms(row.integer(8));
  m.last_error = row.text(9);
  m.claim = row.integer(10);
  return m;
}

void bind_or_null(statement& s, int index, std::string_view text) {
  if (text.empty()) {
    s.bind_null(index);
  } else {
    s.bind(index, text);
  }
}

}  // namespace smrel::storage::sqlite::rows
