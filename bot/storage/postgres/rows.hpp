#pragma once
// How the PostgreSQL backend's rows hold its values, the same as the SQLite backend's: times in
// Unix milliseconds, weeks, groups, platforms and statuses as text (a value that does not parse
// is a corrupt database, reported as such), and one reader per row shape. (The value codecs are
// small and kept per backend so neither backend's library depends on the other's.)
#include <cstdint>
#include <string>
#include <vector>

#include "bot/storage/postgres/connection.hpp"
#include "bot/storage/store.hpp"

namespace smrel::storage::postgres::rows {

std::int64_t to_ms(time_point t);
time_point from_ms(std::int64_t ms);
scoring::iso_week parse_week(const std::string& text);
scoring::group parse_group(const std::string& text);
domain::platform parse_platform(const std::string& text);
std::string encode_items(const scoring::pulse_block& items);
scoring::pulse_block decode_items(const std::string& text);
outbox_status parse_status(const std::string& text);
outbox_kind parse_kind(const std::string& text);
/// A JSON array of strings, read back by PostgreSQL's json_array_elements_text.
std::string encode_string_list(const std::vector<std::string>& items);
/// Empty text is stored as NULL (an optional key).
param text_or_null(const std::string& text);

// Column lists the readers below expect, in this order.
#define SMREL_PG_MEMBER_COLUMNS \
  "id, platform, workspace, chat_user, grp, locale, opted_out, joined_at, (unreachable_since IS NOT NULL)::int, kind, " \
  "looked_up_at"
#define SMREL_PG_PULSE_COLUMNS "id, platform, workspace, week, opened_at, closes_at"
#define SMREL_PG_OUTBOX_COLUMNS \
  "id, platform, kind, address, content, COALESCE(dedupe_key, ''), status, attempts, next_attempt_at, last_error, claim"

member read_member(const result& r, int row);
pulse read_pulse(const result& r, int row);
/// d.id, d.pulse_id, d.member_id, d.items, d.delivered_at, d.conversation, d.message, d.instrument, p.platform
delivery read_delivery(const result& r, int row);
/// week, pseudonym, group, item, value, pulse_id, answered_at, instrument
answer_record read_answer(const result& r, int row);
outbox_message read_outbox(const result& r, int row);

}  // namespace smrel::storage::postgres::rows
