// Pulses and what each member was sent in them; weekly releases; nudges issued.
#include "bot/storage/postgres/backend.hpp"
#include "bot/storage/postgres/rows.hpp"

namespace smrel::storage::postgres {

using namespace rows;

pulse backend::open_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, time_point opened_at,
                          time_point closes_at) {
  auto db = pool_.acquire();
  db->run("INSERT INTO pulses (platform, workspace, week, opened_at, closes_at) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (platform, workspace, week) DO NOTHING",
          domain::platform_id(workspace.on), workspace.id, week.to_string(), to_ms(opened_at), to_ms(closes_at));
  auto found = find_pulse_on(*db, workspace, week);
  if (!found) throw store_error("pulse removed while it was being opened", store_failure::conflict);
  return *found;
}

std::optional<pulse> backend::find_pulse(std::int64_t id) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT " SMREL_PG_PULSE_COLUMNS " FROM pulses WHERE id = $1", id);
  if (r.empty()) return std::nullopt;
  return read_pulse(r, 0);
}

std::optional<pulse> backend::find_pulse(const domain::workspace_ref& workspace, scoring::iso_week week) {
  auto db = pool_.acquire();
  return find_pulse_on(*db, workspace, week);
}

std::optional<pulse> backend::find_pulse_on(connection& db, const domain::workspace_ref& workspace,
                                            scoring::iso_week week) {
  const auto r = db.run("SELECT " SMREL_PG_PULSE_COLUMNS " FROM pulses WHERE platform = $1 AND workspace = $2 AND week = $3",
                        domain::platform_id(workspace.on), workspace.id, week.to_string());
  if (r.empty()) return std::nullopt;
  return read_pulse(r, 0);
}

delivery backend::record_delivery(std::int64_t pulse_id, std::int64_t member_id, const scoring::pulse_block& items,
                                  time_point at) {
  auto db = pool_.acquire();
  // A delivery keeps the wording it was first sent in, also after an upgrade of the instrument.
  db->run("INSERT INTO deliveries (pulse_id, member_id, items, delivered_at, instrument) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (pulse_id, member_id) DO NOTHING",
          pulse_id, member_id, encode_items(items), to_ms(at), static_cast<int>(scoring::instrument_version));
  auto found = find_delivery_on(*db, pulse_id, member_id);
  if (!found) throw store_error("delivery removed while it was being recorded", store_failure::conflict);
  return *found;
}

void backend::set_delivery_message(std::int64_t delivery_id, const domain::message_ref& sent) {
  auto db = pool_.acquire();
  // The platform is the pulse's, so only the address and the message id are stored.
  db->run("UPDATE deliveries SET conversation = $1, message = $2 WHERE id = $3", sent.conversation.address, sent.id,
          delivery_id);
}

std::optional<delivery> backend::find_delivery(std::int64_t pulse_id, std::int64_t member_id) {
  auto db = pool_.acquire();
  return find_delivery_on(*db, pulse_id, member_id);
}

std::optional<delivery> backend::find_delivery_on(connection& db, std::int64_t pulse_id, std::int64_t member_id) {
  const auto r = db.run("SELECT d.id, d.pulse_id, d.member_id, d.items, d.delivered_at, d.conversation, d.message, "
                        "d.instrument, p.platform FROM deliveries d JOIN pulses p ON p.id = d.pulse_id "
                        "WHERE d.pulse_id = $1 AND d.member_id = $2",
                        pulse_id, member_id);
  if (r.empty()) return std::nullopt;
  return read_delivery(r, 0);
}

std::vector<store::member_delivery> backend::sent_deliveries(std::int64_t pulse_id) {
  auto db = pool_.acquire();
  const auto r = db->run(
      "SELECT d.id, d.pulse_id, d.member_id, d.items, d.delivered_at, d.conversation, d.message, d.instrument, "
      "p.platform, m.workspace, m.chat_user FROM deliveries d JOIN pulses p ON p.id = d.pulse_id "
      "JOIN members m ON m.id = d.member_id "
      "WHERE d.pulse_id = $1 AND COALESCE(d.message, '') <> '' AND NOT d.unreachable AND m.opted_out = 0 "
      "AND m.unreachable_since IS NULL AND m.kind = 'person' ORDER BY m.id",
      pulse_id);
  std::vector<member_delivery> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto d = read_delivery(r, i);
    out.push_back({{{d.sent.conversation.on, r.text(i, 9)}, r.text(i, 10)}, std::move(d)});
  }
  return out;
}

store::response_count backend::pulse_response(std::int64_t pulse_id) {
  auto db = pool_.acquire();
  const auto r = db->run(
      "SELECT (SELECT COUNT(*) FROM deliveries d JOIN members m ON m.id = d.member_id "
      "        WHERE d.pulse_id = $1 AND NOT d.unreachable AND m.kind = 'person'), "
      "(SELECT COUNT(DISTINCT pseudonym) FROM answers WHERE pulse_id = $1)",
      pulse_id);
  return {static_cast<int>(r.integer(0, 0)), static_cast<int>(r.integer(0, 1))};
}

// Releases.

bool backend::save_release(const release_record& r) {
  auto db = pool_.acquire();
  return db->run("INSERT INTO releases (platform, workspace, week, released_at, figures, people) "
                 "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, workspace, week) DO NOTHING",
                 domain::platform_id(r.workspace.on), r.workspace.id, r.week.to_string(), to_ms(r.released_at),
                 r.figures, r.people)
             .affected() > 0;
}

std::vector<release_record> backend::releases(const domain::workspace_ref& workspace, scoring::iso_week from,
                                              scoring::iso_week to) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT week, released_at, figures, COALESCE(people, '') FROM releases "
                         "WHERE platform = $1 AND workspace = $2 AND week BETWEEN $3 AND $4 ORDER BY week",
                         domain::platform_id(workspace.on), workspace.id, from.to_string(), to.to_string());
  std::vector<release_record> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({workspace, parse_week(r.text(i, 0)), from_ms(r.integer(i, 1)), r.text(i, 2), r.text(i, 3)});
  }
  return out;
}

std::optional<scoring::iso_week> backend::latest_release(const domain::workspace_ref& workspace) {
  return workspace_week("SELECT MAX(week) FROM releases WHERE platform = $1 AND workspace = $2", workspace);
}

std::optional<scoring::iso_week> backend::first_answer_week(const domain::workspace_ref& workspace) {
  return workspace_week("SELECT MIN(week) FROM answers WHERE platform = $1 AND workspace = $2", workspace);
}

std::optional<scoring::iso_week> backend::workspace_week(const char* sql, const domain::workspace_ref& workspace) {
  auto db = pool_.acquire();
  const auto r = db->run(sql, domain::platform_id(workspace.on), workspace.id);
  if (r.empty() || r.is_null(0, 0)) return std::nullopt;
  return parse_week(r.text(0, 0));
}

void backend::prune_release_people(const domain::workspace_ref& workspace, scoring::iso_week before) {
  auto db = pool_.acquire();
  db->run("UPDATE releases SET people = NULL WHERE platform = $1 AND workspace = $2 AND week < $3 AND people IS NOT NULL",
          domain::platform_id(workspace.on), workspace.id, before.to_string());
}

// Nudges.

std::int64_t backend::record_nudge(const issued_nudge& n) {
  auto db = pool_.acquire();
  const param follow_up = n.follow_up_week ? param(n.follow_up_week->to_string()) : param();
  db->run("INSERT INTO nudges (platform, workspace, nudge_id, week, why, issued_at, follow_up_week) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (platform, workspace, week, nudge_id) DO NOTHING",
          domain::platform_id(n.workspace.on), n.workspace.id, n.nudge_id, n.week.to_string(), n.why,
          to_ms(n.issued_at), follow_up);
  const auto r = db->run("SELECT id FROM nudges WHERE platform = $1 AND workspace = $2 AND week = $3 AND nudge_id = $4",
                         domain::platform_id(n.workspace.on), n.workspace.id, n.week.to_string(), n.nudge_id);
  if (r.empty()) throw store_error("nudge removed while it was being recorded", store_failure::conflict);
  return r.integer(0, 0);
}

std::vector<issued_nudge> backend::nudges_since(const domain::workspace_ref& workspace, scoring::iso_week from) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT id, platform, workspace, nudge_id, week, why, issued_at, follow_up_week FROM nudges "
                         "WHERE platform = $1 AND workspace = $2 AND week >= $3 ORDER BY week, id",
                         domain::platform_id(workspace.on), workspace.id, from.to_string());
  std::vector<issued_nudge> out;
  for (int i = 0; i < r.rows(); ++i) {
    issued_nudge n;
    n.id = r.integer(i, 0);
    n.workspace = {parse_platform(r.text(i, 1)), r.text(i, 2)};
    n.nudge_id = r.text(i, 3);
    n.week = parse_week(r.text(i, 4));
    n.why = r.text(i, 5);
    n.issued_at = from_ms(r.integer(i, 6));
    if (!r.is_null(i, 7)) n.follow_up_week = parse_week(r.text(i, 7));
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace smrel::storage::postgres
