// Scheduled runs (a week's pulse or digest), claimed by one replica and done once; and
// installations, each workspace's own settings.
#include <array>

#include "bot/storage/postgres/backend.hpp"
#include "bot/storage/postgres/rows.hpp"

namespace smrel::storage::postgres {

using namespace rows;

// A scheduled_runs row with done_at NULL is a claim (owner until lease_until); with done_at set,
// the run is done and stays done, whoever claimed it.

bool backend::run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week) {
  auto db = pool_.acquire();
  return !db->run("SELECT 1 FROM scheduled_runs WHERE platform = $1 AND workspace = $2 AND kind = $3 AND week = $4 "
                  "AND done_at IS NOT NULL",
                  domain::platform_id(workspace.on), workspace.id, kind, week.to_string())
              .empty();
}

bool backend::try_claim_run(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week,
                            std::string_view owner, time_point now, time_point lease_until) {
  auto db = pool_.acquire();
  // One statement: ON CONFLICT DO UPDATE locks the row, and a second replica's claim re-checks the
  // WHERE against the row as the first left it. Of two owners asking, one wins.
  return db->run("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at, owner, lease_until) "
                 "VALUES ($1, $2, $3, $4, NULL, $5, $6) "
                 "ON CONFLICT (platform, workspace, kind, week) DO UPDATE "
                 "SET owner = excluded.owner, lease_until = excluded.lease_until "
                 "WHERE scheduled_runs.done_at IS NULL AND (scheduled_runs.owner IS NULL OR scheduled_runs.owner = $5 "
                 "OR scheduled_runs.lease_until IS NULL OR scheduled_runs.lease_until <= $7)",
                 domain::platform_id(workspace.on), workspace.id, kind, week.to_string(), owner, to_ms(lease_until),
                 to_ms(now))
             .affected() > 0;
}

// The claim is not checked here: done-once is what keeps a run's messages from being queued
// twice, also when a claim ran out while its owner was still working.
bool backend::commit_run(const write_batch& batch, const domain::workspace_ref& workspace, std::string_view kind,
                         scoring::iso_week week, time_point at) {
  auto db = pool_.acquire();
  transaction tx(*db);
  const auto marked = db->run("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at) VALUES ($1, $2, $3, $4, $5) "
                              "ON CONFLICT (platform, workspace, kind, week) DO UPDATE SET done_at = excluded.done_at "
                              "WHERE scheduled_runs.done_at IS NULL",
                              domain::platform_id(workspace.on), workspace.id, kind, week.to_string(), to_ms(at));
  if (marked.affected() == 0) return false;  // done already; nothing of the batch is written (rolled back)
  pipeline statements(*db);
  write_batch_on(statements, batch, at);
  tx.commit();
  return true;
}

// Everything kept of a workspace, children first (follow-up answers, deliveries), though the
// foreign keys would cascade.
constexpr std::array erase_workspace_statements{
    "DELETE FROM follow_up_answers WHERE nudge IN (SELECT id FROM nudges WHERE platform = $1 AND workspace = $2)",
    "DELETE FROM deliveries WHERE pulse_id IN (SELECT id FROM pulses WHERE platform = $1 AND workspace = $2)",
    "DELETE FROM answers WHERE platform = $1 AND workspace = $2",
    "DELETE FROM respondents WHERE platform = $1 AND workspace = $2",
    "DELETE FROM nudges WHERE platform = $1 AND workspace = $2",
    "DELETE FROM releases WHERE platform = $1 AND workspace = $2",
    "DELETE FROM pulses WHERE platform = $1 AND workspace = $2",
    "DELETE FROM scheduled_runs WHERE platform = $1 AND workspace = $2",
    "DELETE FROM members WHERE platform = $1 AND workspace = $2",
    "DELETE FROM direct_conversations WHERE platform = $1 AND workspace = $2",
    "DELETE FROM installations WHERE platform = $1 AND workspace = $2",
};

// Installations. The digest target's platform is the workspace's: only its address is stored.
// Admins are a JSON array, so any user id (commas, quotes and all) reads back as written.

std::optional<installation> backend::find_installation(const domain::workspace_ref& workspace) {
  auto db = pool_.acquire();
  // One statement, one snapshot: the target and the admins as one write left them.
  const auto r = db->run(
      "SELECT i.digest_target, i.updated_at, a.value, i.removed_at FROM installations i "
      "LEFT JOIN LATERAL json_array_elements_text(NULLIF(i.admins, '')::json) WITH ORDINALITY "
      "AS a (value, n) ON true "
      "WHERE i.platform = $1 AND i.workspace = $2 ORDER BY a.n",
      domain::platform_id(workspace.on), workspace.id);
  if (r.empty()) return std::nullopt;
  installation found{.workspace = workspace,
                     .digest_target = {.on = workspace.on, .address = r.text(0, 0)},
                     .admins = {},
                     .updated_at = from_ms(r.integer(0, 1)),
                     .removed_at = r.is_null(0, 3) ? std::nullopt : std::optional(from_ms(r.integer(0, 3)))};
  for (int i = 0; i < r.rows(); ++i) {
    if (!r.is_null(i, 2)) found.admins.push_back(r.text(i, 2));
  }
  return found;
}

void backend::set_digest_target(const domain::workspace_ref& workspace, const domain::conversation_ref& target,
                                time_point at) {
  auto db = pool_.acquire();
  db->run("INSERT INTO installations (platform, workspace, digest_target, updated_at) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (platform, workspace) DO UPDATE SET digest_target = excluded.digest_target, "
          "updated_at = excluded.updated_at",
          domain::platform_id(workspace.on), workspace.id, target.address, to_ms(at));
}

void backend::remove_workspace(const domain::workspace_ref& workspace, time_point at) {
  auto db = pool_.acquire();
  transaction tx(*db);
  const auto on = domain::platform_id(workspace.on);
  // Deliveries go with the members (ON DELETE CASCADE).
  db->run("DELETE FROM members WHERE platform = $1 AND workspace = $2", on, workspace.id);
  db->run("DELETE FROM direct_conversations WHERE platform = $1 AND workspace = $2", on, workspace.id);
  db->run(
      "INSERT INTO installations (platform, workspace, updated_at, removed_at) VALUES ($1, $2, $3, $3) "
      "ON CONFLICT (platform, workspace) DO UPDATE SET digest_target = '', admins = '', "
      "updated_at = excluded.updated_at, removed_at = COALESCE(installations.removed_at, excluded.removed_at)",
      on, workspace.id, to_ms(at));
  bump_people_version(*db, workspace);
  tx.commit();
}

std::size_t backend::erase_removed_workspaces(time_point before) {
  auto db = pool_.acquire();
  transaction tx(*db);
  // Locked as read, so a workspace restored meanwhile (someone joined) waits or is not erased.
  const auto due =
      db->run("SELECT platform, workspace FROM installations WHERE removed_at < $1 FOR UPDATE", to_ms(before));
  for (int i = 0; i < due.rows(); ++i) {
    const auto on = due.text(i, 0);
    const auto id = due.text(i, 1);
    for (const auto* sql : erase_workspace_statements) db->run(sql, on, id);
    bump_people_version(*db, {parse_platform(on), id});  // kept: a cache elsewhere must not match an old version
  }
  tx.commit();
  return static_cast<std::size_t>(due.rows());
}

void backend::set_admins(const domain::workspace_ref& workspace, const std::vector<std::string>& users, time_point at) {
  auto db = pool_.acquire();
  db->run("INSERT INTO installations (platform, workspace, admins, updated_at) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (platform, workspace) DO UPDATE SET admins = excluded.admins, updated_at = excluded.updated_at",
          domain::platform_id(workspace.on), workspace.id, encode_string_list(users), to_ms(at));
}

}  // namespace smrel::storage::postgres
