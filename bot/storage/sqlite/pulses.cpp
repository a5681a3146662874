// Pulses and what each member was sent in them; weekly releases; nudges issued.
#include "bot/storage/sqlite/backend.hpp"
#include "bot/storage/sqlite/rows.hpp"

namespace smrel::storage::sqlite {

using namespace rows;

pulse backend::open_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, time_point opened_at,
                          time_point closes_at) {
  std::lock_guard lock(mutex_);
  db_.prepare("INSERT INTO pulses (platform, workspace, week, opened_at, closes_at) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (platform, workspace, week) DO NOTHING")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .bind(3, week.to_string())
      .bind(4, to_ms(opened_at))
      .bind(5, to_ms(closes_at))
      .run();
  return *find_pulse_locked(db_, workspace, week);
}

std::optional<pulse> backend::find_pulse(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT id, platform, workspace, week, opened_at, closes_at FROM pulses WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_pulse(s);
}

std::optional<pulse> backend::find_pulse(const domain::workspace_ref& workspace, scoring::iso_week week) {
  std::lock_guard lock(read_mutex_);
  return find_pulse_locked(read_db_, workspace, week);
}

std::optional<pulse> backend::find_pulse_locked(connection& db, const domain::workspace_ref& workspace,
                                                scoring::iso_week week) {
  auto s = db.prepare("SELECT id, platform, workspace, week, opened_at, closes_at FROM pulses "
                      "WHERE platform = ? AND workspace = ? AND week = ?");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, week.to_string());
  if (!s.step()) return std::nullopt;
  return read_pulse(s);
}

delivery backend::record_delivery(std::int64_t pulse_id, std::int64_t member_id, const scoring::pulse_block& items,
                                  time_point at) {
  std::lock_guard lock(mutex_);
  // A delivery keeps the wording it was first sent in, also after an upgrade of the instrument.
  db_.prepare("INSERT INTO deliveries (pulse_id, member_id, items, delivered_at, instrument) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (pulse_id, member_id) DO NOTHING")
      .bind(1, pulse_id)
      .bind(2, member_id)
      .bind(3, encode_items(items))
      .bind(4, to_ms(at))
      .bind(5, static_cast<int>(scoring::instrument_version))
      .run();
  return *find_delivery_locked(db_, pulse_id, member_id);
}

void backend::set_delivery_message(std::int64_t delivery_id, const domain::message_ref& sent) {
  std::lock_guard lock(mutex_);
  // The platform is the pulse's, so only the address and the message id are stored.
  db_.prepare("UPDATE deliveries SET conversation = ?, message = ? WHERE id = ?")
      .bind(1, sent.conversation.address)
      .bind(2, sent.id)
      .bind(3, delivery_id)
      .run();
}

std::optional<delivery> backend::find_delivery(std::int64_t pulse_id, std::int64_t member_id) {
  std::lock_guard lock(read_mutex_);
  return find_delivery_locked(read_db_, pulse_id, member_id);
}

std::optional<delivery> backend::find_delivery_locked(connection& db, std::int64_t pulse_id, std::int64_t member_id) {
  auto s = db.prepare("SELECT d.id, d.pulse_id, d.member_id, d.items, d.delivered_at, d.conversation, d.message, "
                      "d.instrument, p.platform FROM deliveries d JOIN pulses p ON p.id = d.pulse_id "
                      "WHERE d.pulse_id = ? AND d.member_id = ?");
  s.bind(1, pulse_id).bind(2, member_id);
  if (!s.step()) return std::nullopt;
  return read_delivery(s);
}

std::vector<store::member_delivery> backend::sent_deliveries(std::int64_t pulse_id) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare(
      "SELECT d.id, d.pulse_id, d.member_id, d.items, d.delivered_at, d.conversation, d.message, d.instrument, "
      "p.platform, m.workspace, m.chat_user FROM deliveries d JOIN pulses p ON p.id = d.pulse_id "
      "JOIN members m ON m.id = d.member_id "
      "WHERE d.pulse_id = ? AND COALESCE(d.message, '') <> '' AND d.unreachable = 0 AND m.opted_out = 0 "
      "AND m.unreachable_since IS NULL AND m.kind = 'person' ORDER BY m.id");
  s.bind(1, pulse_id);
  std::vector<member_delivery> out;
  while (s.step()) {
    auto d = read_delivery(s);
    out.push_back({{{d.sent.conversation.on, s.text(9)}, s.text(10)}, std::move(d)});
  }
  return out;
}

store::response_count backend::pulse_response(std::int64_t pulse_id) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare(
      "SELECT (SELECT COUNT(*) FROM deliveries d JOIN members m ON m.id = d.member_id "
      "        WHERE d.pulse_id = ?1 AND d.unreachable = 0 AND m.kind = 'person'), "
      "(SELECT COUNT(DISTINCT pseudonym) FROM answers WHERE pulse_id = ?1)");
  s.bind(1, pulse_id);
  s.step();
  return {static_cast<int>(s.integer(0)), static_cast<int>(s.integer(1))};
}

// Releases.

bool backend::save_release(const release_record& r) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("INSERT INTO releases (platform, workspace, week, released_at, figures, people) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, week) DO NOTHING");
  s.bind(1, domain::platform_id(r.workspace.on))
      .bind(2, r.workspace.id)
      .bind(3, r.week.to_string())
      .bind(4, to_ms(r.released_at))
      .bind(5, r.figures)
      .bind(6, r.people);
  s.run();
  return db_.changes() > 0;
}

std::vector<release_record> backend::releases(const domain::workspace_ref& workspace, scoring::iso_week from,
                                              scoring::iso_week to) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT week, released_at, figures, COALESCE(people, '') FROM releases "
                            "WHERE platform = ? AND workspace = ? AND week BETWEEN ? AND ? ORDER BY week");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string()).bind(4, to.to_string());
  std::vector<release_record> out;
  while (s.step()) out.push_back({workspace, parse_week(s.text(0)), from_ms(s.integer(1)), s.text(2), s.text(3)});
  return out;
}

std::optional<scoring::iso_week> backend::latest_release(const domain::workspace_ref& workspace) {
  return workspace_week("SELECT MAX(week) FROM releases WHERE platform = ? AND workspace = ?", workspace);
}

std::optional<scoring::iso_week> backend::first_answer_week(const domain::workspace_ref& workspace) {
  return workspace_week("SELECT MIN(week) FROM answers WHERE platform = ? AND workspace = ?", workspace);
}

// One week (or none) from a query over a workspace's rows.
std::optional<scoring::iso_week> backend::workspace_week(const char* sql, const domain::workspace_ref& workspace) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare(sql);
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return parse_week(s.text(0));
}

void backend::prune_release_people(const domain::workspace_ref& workspace, scoring::iso_week before) {
  std::lock_guard lock(mutex_);
  db_.prepare("UPDATE releases SET people = NULL WHERE platform = ? AND workspace = ? AND week < ? AND people IS NOT NULL")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .bind(3, before.to_string())
      .run();
}

// Nudges.

std::int64_t backend::record_nudge(const issued_nudge& n) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("INSERT INTO nudges (platform, workspace, nudge_id, week, why, issued_at, follow_up_week) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, week, nudge_id) DO NOTHING");
  s.bind(1, domain::platform_id(n.workspace.on))
      .bind(2, n.workspace.id)
      .bind(3, n.nudge_id)
      .bind(4, n.week.to_string())
      .bind(5, n.why)
      .bind(6, to_ms(n.issued_at));
  if (n.follow_up_week) {
    s.bind(7, n.follow_up_week->to_string());
  } else {
    s.bind_null(7);
  }
  s.run();
  auto id = db_.prepare("SELECT id FROM nudges WHERE platform = ? AND workspace = ? AND week = ? AND nudge_id = ?");
  id.bind(1, domain::platform_id(n.workspace.on)).bind(2, n.workspace.id).bind(3, n.week.to_string()).bind(4, n.nudge_id);
  id.step();
  return id.integer(0);
}

std::vector<issued_nudge> backend::nudges_since(const domain::workspace_ref& workspace, scoring::iso_week from) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT id, platform, workspace, nudge_id, week, why, issued_at, follow_up_week FROM nudges "
                            "WHERE platform = ? AND workspace = ? AND week >= ? ORDER BY week, id");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string());
  std::vector<issued_nudge> out;
  while (s.step()) {
    issued_nudge n;
    n.id = s.integer(0);
    n.workspace = {parse_platform(s.text(1)), s.text(2)};
    n.nudge_id = s.text(3);
    n.week = parse_week(s.text(4));
    n.why = s.text(5);
    n.issued_at = from_ms(s.integer(6));
    if (!s.is_null(7)) n.follow_up_week = parse_week(s.text(7));
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace smrel::storage::sqlite
