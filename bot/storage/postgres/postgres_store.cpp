#include "bot/storage/postgres/postgres_store.hpp"

#include <chrono>

#include "bot/storage/postgres/backend.hpp"
#include "bot/storage/postgres/rows.hpp"
#include "bot/storage/postgres/schema.hpp"

namespace smrel::storage::postgres {
namespace {

using namespace rows;

// pg_advisory_xact_lock's key for schema changes: replicas starting together queue on it, and
// each reads the version only once it holds the lock. Any fixed number; "smrel" in ASCII.
constexpr std::int64_t migration_lock_key = 0x736d72656cLL;
// A readiness check answers quickly (see store.hpp): waits beyond these mean commits would stall.
// Answer commits fail well inside Slack's 3 s acknowledgement deadline when another transaction
// holds a row they need, rather than wait it out (the SQLite backend's write busy timeout).
constexpr int write_lock_timeout_ms = 1500;
constexpr int probe_lock_timeout_ms = 200;
constexpr std::chrono::milliseconds probe_pool_wait{300};
constexpr const char* probe_statement_timeout = "SET LOCAL statement_timeout = 500";

}  // namespace

backend::backend(const std::string& url, const postgres_options& options)
    : pool_(connect_settings{.url = url, .lock_timeout_ms = write_lock_timeout_ms}, options.pool_size),
      probe_pool_(connect_settings{.url = url, .lock_timeout_ms = probe_lock_timeout_ms}, 1) {
  // Connect now, so a wrong URL or an unreachable server fails at start-up with one message.
  auto db = pool_.acquire();
  transaction tx(*db);
  db->run("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
  db->exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  tx.commit();
}

int backend::migrate() {
  auto db = pool_.acquire();
  transaction tx(*db);
  // Under the lock until commit: a second replica waits here, then reads the version this one
  // wrote, and has nothing left to do.
  db->run("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
  const int from = current_version(*db);
  int applied = 0;
  for (const auto& step : migrations()) {
    if (step.from < from) continue;
    if (step.from != from + applied) break;
    db->exec(step.sql);
    for (int version = step.from + 1; version <= step.to; ++version) {
      db->run("INSERT INTO schema_migrations (version, applied_at) "
              "VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
              version);
    }
    applied += step.to - step.from;
  }
  tx.commit();
  return applied;
}

int backend::schema_version() {
  auto db = pool_.acquire();
  return current_version(*db);
}

int backend::latest_schema_version() const { return latest_version(); }

int backend::current_version(connection& db) {
  return static_cast<int>(db.run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0));
}

bool backend::ping() {
  try {
    auto db = pool_.acquire();
    return db->run("SELECT 1").rows() == 1;
  } catch (const store_error&) {
    return false;
  }
}

readiness backend::check_ready() {
  try {
    // A real write, as an answer commit makes: a row lock (waited for briefly), a WAL record and
    // a durable commit. A read-only server (a standby after failover) fails it as unavailable.
    auto db = probe_pool_.acquire(probe_pool_wait);
    transaction tx(*db);
    db->exec(probe_statement_timeout);
    db->run("INSERT INTO health_probe (id, probes) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET probes = health_probe.probes + 1");
    tx.commit();
    return {true, ""};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

// Replicas share the database: a claim at start-up may be a live replica's. Only leases free it.
bool backend::single_process() const { return false; }

// Members and people.

member backend::upsert_member(const domain::member_key& key, scoring::locale locale, time_point now) {
  auto db = pool_.acquire();
  // Someone who acts through the platform there: the app is installed (again). First, so an
  // erasure of the removed workspace that took its row lock ran before and this member stays.
  db->run(
      "UPDATE installations SET removed_at = NULL WHERE platform = $1 AND workspace = $2 AND removed_at IS NOT NULL",
      domain::platform_id(key.workspace.on), key.workspace.id);
  db->run(
      "INSERT INTO members (platform, workspace, chat_user, locale, joined_at) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (platform, workspace, chat_user) DO UPDATE SET unreachable_since = NULL "
      "WHERE members.unreachable_since IS NOT NULL",
      domain::platform_id(key.workspace.on), key.workspace.id, key.user, scoring::locale_id(locale), to_ms(now));
  // Reachable again: their deliveries count as asked again. No version bump: a new member cannot
  // be behind anyone's cached decision, and reachability is not decided on from caches.
  db->run(
      "UPDATE deliveries SET unreachable = FALSE WHERE unreachable AND member_id = "
      "(SELECT id FROM members WHERE platform = $1 AND workspace = $2 AND chat_user = $3)",
      domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  auto found = find_member_on(*db, key);
  if (!found) throw store_error("member erased while it was being added", store_failure::conflict);
  return *found;
}

std::optional<member> backend::find_member(const domain::member_key& key) {
  auto db = pool_.acquire();
  return find_member_on(*db, key);
}

std::optional<member> backend::find_member(std::int64_t id) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT " SMREL_PG_MEMBER_COLUMNS " FROM members WHERE id = $1", id);
  if (r.empty()) return std::nullopt;
  return read_member(r, 0);
}

std::optional<member> backend::find_member_on(connection& db, const domain::member_key& key) {
  const auto r = db.run("SELECT " SMREL_PG_MEMBER_COLUMNS " FROM members "
                        "WHERE platform = $1 AND workspace = $2 AND chat_user = $3",
                        domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  if (r.empty()) return std::nullopt;
  return read_member(r, 0);
}

std::vector<member> backend::members(const domain::workspace_ref& workspace) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT " SMREL_PG_MEMBER_COLUMNS " FROM members "
                         "WHERE platform = $1 AND workspace = $2 ORDER BY id",
                         domain::platform_id(workspace.on), workspace.id);
  std::vector<member> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_member(r, i));
  return out;
}

std::vector<domain::workspace_ref> backend::workspaces() {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT platform, workspace FROM members UNION SELECT platform, workspace FROM respondents "
                         "UNION SELECT platform, workspace FROM installations ORDER BY 1, 2");
  std::vector<domain::workspace_ref> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({parse_platform(r.text(i, 0)), r.text(i, 1)});
  return out;
}

void backend::set_group(const domain::member_key& key, std::string_view pseudonym, scoring::group group) {
  auto db = pool_.acquire();
  transaction tx(*db);
  const auto changed = db->run("UPDATE members SET grp = $1 WHERE platform = $2 AND workspace = $3 AND chat_user = $4",
                               scoring::group_id(group), domain::platform_id(key.workspace.on), key.workspace.id,
                               key.user);
  if (changed.affected() == 0) throw store_error("no such member");
  db->run("INSERT INTO respondents (pseudonym, platform, workspace, grp) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (pseudonym) DO UPDATE SET grp = excluded.grp",
          pseudonym, domain::platform_id(key.workspace.on), key.workspace.id, scoring::group_id(group));
  bump_people_version(*db, key.workspace);
  tx.commit();
}

void backend::set_locale(const domain::member_key& key, scoring::locale locale) {
  auto db = pool_.acquire();
  transaction tx(*db);
  // Only a real change moves the version (see the SQLite backend).
  const auto changed = db->run("UPDATE members SET locale = $1 "
                               "WHERE platform = $2 AND workspace = $3 AND chat_user = $4 AND locale <> $1",
                               scoring::locale_id(locale), domain::platform_id(key.workspace.on), key.workspace.id,
                               key.user);
  if (changed.affected() > 0) bump_people_version(*db, key.workspace);
  tx.commit();
}

void backend::set_opted_out(const domain::member_key& key, bool opted_out) {
  auto db = pool_.acquire();
  transaction tx(*db);
  const auto changed = db->run("UPDATE members SET opted_out = $1 "
                               "WHERE platform = $2 AND workspace = $3 AND chat_user = $4 AND opted_out <> $1",
                               opted_out ? 1 : 0, domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  if (changed.affected() > 0) bump_people_version(*db, key.workspace);
  tx.commit();
}

void backend::mark_unreachable(const domain::member_key& key, std::int64_t pulse_id, time_point at) {
  auto db = pool_.acquire();
  transaction tx(*db);
  db->run(
      "UPDATE members SET unreachable_since = COALESCE(unreachable_since, $1) "
      "WHERE platform = $2 AND workspace = $3 AND chat_user = $4",
      to_ms(at), domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  db->run(
      "UPDATE deliveries SET unreachable = TRUE WHERE pulse_id = $1 AND member_id = "
      "(SELECT id FROM members WHERE platform = $2 AND workspace = $3 AND chat_user = $4)",
      pulse_id, domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  tx.commit();
}

std::vector<member> backend::take_people_to_look_up(domain::platform on, time_point due_at_or_before, time_point now,
                                                    std::size_t limit) {
  auto db = pool_.acquire();
  // SKIP LOCKED: two replicas taking at once get different people. The CTE returns the rows as
  // they were, so each member carries the look-up time it had before this one.
  const auto r = db->run(
      "WITH due AS (SELECT " SMREL_PG_MEMBER_COLUMNS
      " FROM members m WHERE platform = $1 AND unreachable_since IS NULL AND COALESCE(looked_up_at, 0) <= $2 "
      "AND NOT EXISTS (SELECT 1 FROM installations i WHERE i.platform = m.platform AND i.workspace = m.workspace "
      "AND i.removed_at IS NOT NULL) ORDER BY COALESCE(looked_up_at, 0), id LIMIT $3 FOR UPDATE SKIP LOCKED), "
      "taken AS (UPDATE members SET looked_up_at = $4 WHERE id IN (SELECT id FROM due)) "
      "SELECT * FROM due ORDER BY COALESCE(looked_up_at, 0), id",
      domain::platform_id(on), to_ms(due_at_or_before), static_cast<std::int64_t>(limit), to_ms(now));
  std::vector<member> due;
  for (int i = 0; i < r.rows(); ++i) due.push_back(read_member(r, i));
  return due;
}

void backend::set_looked_up_at(const domain::member_key& key, time_point at) {
  auto db = pool_.acquire();
  db->run("UPDATE members SET looked_up_at = $1 WHERE platform = $2 AND workspace = $3 AND chat_user = $4", to_ms(at),
          domain::platform_id(key.workspace.on), key.workspace.id, key.user);
}

void backend::set_person_kind(const domain::member_key& key, std::string_view pseudonym, domain::person_kind kind) {
  auto db = pool_.acquire();
  transaction tx(*db);
  const auto changed = db->run(
      "UPDATE members SET kind = $1 WHERE platform = $2 AND workspace = $3 AND chat_user = $4 AND kind <> $1",
      domain::person_kind_id(kind), domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  if (changed.affected() == 0) return;  // unknown, or already so: rolled back, unchanged
  if (kind != domain::person_kind::person) {
    // Not kept aside uncounted: a flag on so few pseudonyms would link them to their people.
    db->run("DELETE FROM answers WHERE pseudonym = $1", pseudonym);
    db->run("DELETE FROM follow_up_answers WHERE pseudonym = $1", pseudonym);
  }
  bump_people_version(*db, key.workspace);
  tx.commit();
}

void backend::forget(const domain::member_key& key, std::string_view pseudonym) {
  auto db = pool_.acquire();
  transaction tx(*db);
  db->run("DELETE FROM answers WHERE pseudonym = $1", pseudonym);
  db->run("DELETE FROM follow_up_answers WHERE pseudonym = $1", pseudonym);
  db->run("DELETE FROM respondents WHERE pseudonym = $1", pseudonym);
  // Deliveries go with the member (ON DELETE CASCADE).
  db->run("DELETE FROM members WHERE platform = $1 AND workspace = $2 AND chat_user = $3",
          domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  forget_direct_conversation_on(*db, key);
  // Always, even with no member row left: answers may have been erased.
  bump_people_version(*db, key.workspace);
  tx.commit();
}

std::int64_t backend::people_version(const domain::workspace_ref& workspace) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT people FROM workspace_versions WHERE platform = $1 AND workspace = $2",
                         domain::platform_id(workspace.on), workspace.id);
  return r.empty() ? 0 : r.integer(0, 0);
}

// Inside the caller's transaction, so the version and the change it stands for commit together.
// The row stays locked until then: a batch checking the version (FOR SHARE) waits for the change.
void backend::bump_people_version(connection& db, const domain::workspace_ref& workspace) {
  db.run("INSERT INTO workspace_versions (platform, workspace, people) VALUES ($1, $2, 1) "
         "ON CONFLICT (platform, workspace) DO UPDATE SET people = workspace_versions.people + 1",
         domain::platform_id(workspace.on), workspace.id);
}

// Direct conversations. The platform of one is the member's: only the address is stored.

std::optional<domain::conversation_ref> backend::find_direct_conversation(const domain::member_key& key) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT address FROM direct_conversations WHERE platform = $1 AND workspace = $2 AND chat_user = $3",
                         domain::platform_id(key.workspace.on), key.workspace.id, key.user);
  if (r.empty()) return std::nullopt;
  return domain::conversation_ref{.on = key.workspace.on, .address = r.text(0, 0)};
}

void backend::remember_direct_conversation(const domain::member_key& key, const domain::conversation_ref& conversation) {
  auto db = pool_.acquire();
  db->run("INSERT INTO direct_conversations (platform, workspace, chat_user, address) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (platform, workspace, chat_user) DO UPDATE SET address = excluded.address "
          "WHERE direct_conversations.address <> excluded.address",  // reported again on every visit
          domain::platform_id(key.workspace.on), key.workspace.id, key.user, conversation.address);
}

void backend::forget_direct_conversation(const domain::member_key& key) {
  auto db = pool_.acquire();
  forget_direct_conversation_on(*db, key);
}

void backend::forget_direct_conversation_on(connection& db, const domain::member_key& key) {
  db.run("DELETE FROM direct_conversations WHERE platform = $1 AND workspace = $2 AND chat_user = $3",
         domain::platform_id(key.workspace.on), key.workspace.id, key.user);
}

}  // namespace smrel::storage::postgres

namespace smrel::storage {

std::unique_ptr<store> open_postgres_store(const std::string& url, const postgres_options& options) {
  return std::make_unique<postgres::backend>(url, options);
}

}  // namespace smrel::storage
