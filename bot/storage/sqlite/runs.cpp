// Scheduled runs (a week's pulse or digest), claimed by one process and done once; and
// installations, each workspace's own settings.
#include <array>

#include "bot/storage/sqlite/backend.hpp"
#include "bot/storage/sqlite/rows.hpp"

namespace smrel::storage::sqlite {

using namespace rows;

// A scheduled_runs row with done_at NULL is a claim (owner until lease_until); with done_at set,
// the run is done and stays done, whoever claimed it.

bool backend::run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT 1 FROM scheduled_runs WHERE platform = ? AND workspace = ? AND kind = ? AND week = ? "
                            "AND done_at IS NOT NULL");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, kind).bind(4, week.to_string());
  return s.step();
}

bool backend::try_claim_run(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week,
                            std::string_view owner, time_point now, time_point lease_until) {
  std::lock_guard lock(mutex_);
  // One statement, so one write transaction: a second process's claim runs before or after it,
  // never between the look and the write.
  db_.prepare("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at, owner, lease_until) "
              "VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6) "
              "ON CONFLICT (platform, workspace, kind, week) DO UPDATE "
              "SET owner = excluded.owner, lease_until = excluded.lease_until "
              "WHERE scheduled_runs.done_at IS NULL AND (scheduled_runs.owner IS NULL OR scheduled_runs.owner = ?5 "
              "OR scheduled_runs.lease_until IS NULL OR scheduled_runs.lease_until <= ?7)")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .bind(3, kind)
      .bind(4, week.to_string())
      .bind(5, owner)
      .bind(6, to_ms(lease_until))
      .bind(7, to_ms(now))
      .run();
  return db_.changes() > 0;
}

// The claim is not checked here: done-once is what keeps a run's messages from being queued
// twice, also when a claim ran out while its owner was still working.
bool backend::commit_run(const write_batch& batch, const domain::workspace_ref& workspace, std::string_view kind,
                         scoring::iso_week week, time_point at) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (platform, workspace, kind, week) DO UPDATE SET done_at = excluded.done_at "
              "WHERE scheduled_runs.done_at IS NULL")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .bind(3, kind)
      .bind(4, week.to_string())
      .bind(5, to_ms(at))
      .run();
  if (db_.changes() == 0) return false;  // done already; nothing of the batch is written
  const auto queued = write_locked(batch, at);
  ensure_same_file();
  tx.commit();
  outbox_depth_->rows += queued;
  return true;
}

// Everything kept of a workspace, children first (follow-up answers, deliveries), though the
// foreign keys would cascade. Literals: the statement cache keys by address.
constexpr std::array erase_workspace_statements{
    "DELETE FROM follow_up_answers WHERE nudge IN (SELECT id FROM nudges WHERE platform = ?1 AND workspace = ?2)",
    "DELETE FROM deliveries WHERE pulse_id IN (SELECT id FROM pulses WHERE platform = ?1 AND workspace = ?2)",
    "DELETE FROM answers WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM respondents WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM nudges WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM releases WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM pulses WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM scheduled_runs WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM members WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM direct_conversations WHERE platform = ?1 AND workspace = ?2",
    "DELETE FROM installations WHERE platform = ?1 AND workspace = ?2",
};

// Installations. The digest target's platform is the workspace's: only its address is stored.
// Admins are a JSON array, so any user id (commas, quotes and all) reads back as written.

std::optional<installation> backend::find_installation(const domain::workspace_ref& workspace) {
  std::lock_guard lock(read_mutex_);
  // One statement, one snapshot: the target and the admins as one write left them.
  auto s = read_db_.prepare(
      "SELECT i.digest_target, i.updated_at, a.value, i.removed_at FROM installations i "
      "LEFT JOIN json_each(NULLIF(i.admins, '')) a "
      "WHERE i.platform = ? AND i.workspace = ? ORDER BY a.key");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
  if (!s.step()) return std::nullopt;
  installation found{.workspace = workspace,
                     .digest_target = {.on = workspace.on, .address = s.text(0)},
                     .admins = {},
                     .updated_at = from_ms(s.integer(1)),
                     .removed_at = s.is_null(3) ? std::nullopt : std::optional(from_ms(s.integer(3)))};
  do {
    if (!s.is_null(2)) found.admins.push_back(s.text(2));
  } while (s.step());
  return found;
}

void backend::set_digest_target(const domain::workspace_ref& workspace, const domain::conversation_ref& target,
                                time_point at) {
  std::lock_guard lock(mutex_);
  db_.prepare("INSERT INTO installations (platform, workspace, digest_target, updated_at) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (platform, workspace) DO UPDATE SET digest_target = excluded.digest_target, "
              "updated_at = excluded.updated_at")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .bind(3, target.address)
      .bind(4, to_ms(at))
      .run();
}

void backend::remove_workspace(const domain::workspace_ref& workspace, time_point at) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  const auto on = domain::platform_id(workspace.on);
  // Deliveries go with the members (ON DELETE CASCADE).
  for (const auto* sql : {"DELETE FROM members WHERE platform = ? AND workspace = ?",
                          "DELETE FROM direct_conversations WHERE platform = ? AND workspace = ?"}) {
    db_.prepare(sql).bind(1, on).bind(2, workspace.id).run();
  }
  db_.prepare(
         "INSERT INTO installations (platform, workspace, updated_at, removed_at) VALUES (?, ?, ?, ?4) "
         "ON CONFLICT (platform, workspace) DO UPDATE SET digest_target = '', admins = '', "
         "updated_at = excluded.updated_at, removed_at = COALESCE(installations.removed_at, ?4)")
      .bind(1, on)
      .bind(2, workspace.id)
      .bind(3, to_ms(at))
      .bind(4, to_ms(at))
      .run();
  bump_people_version_locked(workspace);
  tx.commit();
}

std::size_t backend::erase_removed_workspaces(time_point before) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  std::vector<domain::workspace_ref> gone;
  auto due = db_.prepare("SELECT platform, workspace FROM installations WHERE removed_at < ?");
  due.bind(1, to_ms(before));
  while (due.step()) gone.push_back({parse_platform(due.text(0)), due.text(1)});
  for (const auto& workspace : gone) {
    const auto on = domain::platform_id(workspace.on);
    for (const auto* sql : erase_workspace_statements) db_.prepare(sql).bind(1, on).bind(2, workspace.id).run();
    bump_people_version_locked(workspace);  // kept: a cache elsewhere must not match an old version
  }
  tx.commit();
  return gone.size();
}

void backend::set_admins(const domain::workspace_ref& workspace, const std::vector<std::string>& users, time_point at) {
  std::lock_guard lock(mutex_);
  db_.prepare("INSERT INTO installations (platform, workspace, admins, updated_at) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (platform, workspace) DO UPDATE SET admins = excluded.admins, updated_at = excluded.updated_at")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .bind(3, encode_string_list(users))
      .bind(4, to_ms(at))
      .run();
}

}  // namespace smrel::storage::sqlite
