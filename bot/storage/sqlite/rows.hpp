#pragma once
// How the SQLite backend's rows read and write its values: times in milliseconds, weeks, groups,
// platforms and statuses as text (a value that does not parse is a corrupt database, reported
// as such), and one reader per table row shape.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bot/storage/sqlite/connection.hpp"
#include "bot/storage/store.hpp"

namespace smrel::storage::sqlite::rows {

std::int64_t to_ms(time_point t);
time_point from_ms(std::int64_t ms);
scoring::iso_week parse_week(const std::string& text);
scoring::group parse_group(const std::string& text);
domain::platform parse_platform(const std::string& text);
std::string encode_items(const scoring::pulse_block& items);
scoring::pulse_block decode_items(const std::string& text);
outbox_status parse_status(const std::string& text);
outbox_kind parse_kind(const std::string& text);
/// A JSON array of strings, for SQLite's json_each to read back (any byte string round-trips).
std::string encode_string_list(const std::vector<std::string>& items);
/// What read_member reads, in its order.
#define SMREL_SQLITE_MEMBER_COLUMNS \
  "id, platform, workspace, chat_user, grp, locale, opted_out, joined_at, unreachable_since IS NOT NULL, kind, looked_up_at"
member read_member(const statement& row);
pulse read_pulse(const statement& row);
delivery read_delivery(const statement& row);
answer_record read_answer(const statement& row);
outbox_message read_outbox(const statement& row);
void bind_or_null(statement& s, int index, std::string_view text);

}  // namespace smrel::storage::sqlite::rows
