#include "bot/storage/sqlite/sqlite_store.hpp"

#include "bot/storage/sqlite/backend.hpp"
#include "bot/storage/sqlite/rows.hpp"
#include "bot/storage/sqlite/schema.hpp"

namespace smrel::storage::sqlite {
namespace {

using namespace rows;

// Answer commits must fail well inside Slack's 3 s acknowledgement deadline when another process
// holds the write lock, rather than wait it out: the click is then answered with an error instead
// of timing out, and nothing is acknowledged that was not stored.
constexpr int write_busy_timeout_ms = 1500;
// Readers rarely wait (WAL), only while another connection recovers or restarts the WAL.
constexpr int read_busy_timeout_ms = 1500;
// Outbox bookkeeping runs in the background; a sender that fails backs off and tries again, so a
// long wait here would only tie up a pool thread that clicks need.
constexpr int outbox_busy_timeout_ms = 1000;
// A readiness check answers quickly: a lock held longer than this means commits would stall.
constexpr int probe_busy_timeout_ms = 200;

}  // namespace

backend::backend(const std::string& path, const sqlite_options& options)
    : path_(path),
      options_(options),
      identity_(prepare_database_file(path)),
      db_(path, {.durable = true, .busy_timeout_ms = write_busy_timeout_ms}),
      read_db_(path, {.durable = true, .busy_timeout_ms = read_busy_timeout_ms, .query_only = true}),
      outbox_db_(path, {.durable = false, .busy_timeout_ms = outbox_busy_timeout_ms}),
      probe_db_(path, {.durable = true, .busy_timeout_ms = probe_busy_timeout_ms}),
      outbox_depth_(depth_of(identity_)) {
  db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  count_outbox_depth();
}

int backend::migrate() {
  std::lock_guard lock(mutex_);
  const auto all = migrations();
  int applied = 0;
  for (;;) {
    // The version is read under the write lock: a second process starting at the same moment
    // waits here, then finds the migration done instead of running it again.
    transaction tx(db_);
    const int version = current_version() + 1;
    if (version > static_cast<int>(all.size())) break;
    db_.exec(all[static_cast<std::size_t>(version - 1)]);
    db_.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now') * 1000)")
        .bind(1, version)
        .run();
    tx.commit();
    ++applied;
  }
  count_outbox_depth();
  return applied;
}

int backend::schema_version() {
  std::lock_guard lock(mutex_);
  return current_version();
}

int backend::latest_schema_version() const { return static_cast<int>(migrations().size()); }

int backend::current_version() {
  auto s = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  s.step();
  return static_cast<int>(s.integer(0));
}

bool backend::ping() {
  std::lock_guard lock(read_mutex_);
  try {
    auto s = read_db_.prepare("SELECT 1");
    return s.step();
  } catch (const store_error&) {
    return false;
  }
}

readiness backend::check_ready() {
  try {
    ensure_same_file();
    ensure_free_space(path_, options_.min_free_bytes);
    // A real write, as an answer commit would make: take the write lock (waiting briefly), write
    // a page and fsync the WAL. On its own connection and mutex, so it never queues behind a
    // commit's busy wait; a commit waits for it at most one fsync, inside its own busy wait.
    std::lock_guard lock(probe_mutex_);
    transaction tx(probe_db_);
    probe_db_.prepare("INSERT INTO health_probe (id, probes) VALUES (1, 1) "
                      "ON CONFLICT (id) DO UPDATE SET probes = probes + 1")
        .run();
    tx.commit();
    return {true, ""};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

// One file on one host, served by one `smrel serve`: WAL needs the shared memory of one machine,
// and a second server on the same file is not a supported deployment. So at start-up nobody else
// can be sending under a claim. (The CLI opens the file too, but never claims outbox rows.)
bool backend::single_process() const { return true; }

// Members and people.

member backend::upsert_member(const domain::member_key& key, scoring::locale locale, time_point now) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare(
         "INSERT INTO members (platform, workspace, chat_user, locale, joined_at) VALUES (?, ?, ?, ?, ?) "
         "ON CONFLICT (platform, workspace, chat_user) DO UPDATE SET unreachable_since = NULL "
         "WHERE members.unreachable_since IS NOT NULL")
      .bind(1, domain::platform_id(key.workspace.on))
      .bind(2, key.workspace.id)
      .bind(3, key.user)
      .bind(4, scoring::locale_id(locale))
      .bind(5, to_ms(now))
      .run();
  // Someone who acts through the platform there: the app is installed (again), and they are
  // reachable (their deliveries count as asked again).
  db_.prepare(
         "UPDATE installations SET removed_at = NULL WHERE platform = ? AND workspace = ? AND removed_at IS NOT NULL")
      .bind(1, domain::platform_id(key.workspace.on))
      .bind(2, key.workspace.id)
      .run();
  auto found = *find_member_locked(db_, key);
  db_.prepare("UPDATE deliveries SET unreachable = 0 WHERE member_id = ? AND unreachable <> 0").bind(1, found.id).run();
  // No version bump: a new member cannot be behind anyone's cached decision, and reachability is
  // not decided on from caches (the schedule and the counts read it from storage).
  tx.commit();
  return found;
}

std::optional<member> backend::find_member(const domain::member_key& key) {
  std::lock_guard lock(read_mutex_);
  return find_member_locked(read_db_, key);
}

std::optional<member> backend::find_member(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT " SMREL_SQLITE_MEMBER_COLUMNS " FROM members WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_member(s);
}

std::optional<member> backend::find_member_locked(connection& db, const domain::member_key& key) {
  auto s = db.prepare("SELECT " SMREL_SQLITE_MEMBER_COLUMNS
                      " FROM members "
                      "WHERE platform = ? AND workspace = ? AND chat_user = ?");
  s.bind(1, domain::platform_id(key.workspace.on)).bind(2, key.workspace.id).bind(3, key.user);
  if (!s.step()) return std::nullopt;
  return read_member(s);
}

std::vector<member> backend::members(const domain::workspace_ref& workspace) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT " SMREL_SQLITE_MEMBER_COLUMNS
                            " FROM members "
                            "WHERE platform = ? AND workspace = ? ORDER BY id");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
  std::vector<member> out;
  while (s.step()) out.push_back(read_member(s));
  return out;
}

std::vector<domain::workspace_ref> backend::workspaces() {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT platform, workspace FROM members UNION SELECT platform, workspace FROM respondents "
                            "UNION SELECT platform, workspace FROM installations ORDER BY 1, 2");
  std::vector<domain::workspace_ref> out;
  while (s.step()) out.push_back({parse_platform(s.text(0)), s.text(1)});
  return out;
}

void backend::set_group(const domain::member_key& key, std::string_view pseudonym, scoring::group group) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare("UPDATE members SET grp = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
      .bind(1, scoring::group_id(group))
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
  if (db_.changes() == 0) throw store_error("no such member");
  db_.prepare("INSERT INTO respondents (pseudonym, platform, workspace, grp) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (pseudonym) DO UPDATE SET grp = excluded.grp")
      .bind(1, pseudonym)
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, scoring::group_id(group))
      .run();
  bump_people_version_locked(key.workspace);
  tx.commit();
}

void backend::set_locale(const domain::member_key& key, scoring::locale locale) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  // Only a real change moves the version: every bump makes cached decisions about the
  // workspace's people stale, and a Monday burst should not pay for no-op writes.
  db_.prepare("UPDATE members SET locale = ? WHERE platform = ? AND workspace = ? AND chat_user = ? AND locale <> ?1")
      .bind(1, scoring::locale_id(locale))
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
  if (db_.changes() > 0) bump_people_version_locked(key.workspace);
  tx.commit();
}

void backend::set_opted_out(const domain::member_key& key, bool opted_out) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare("UPDATE members SET opted_out = ? WHERE platform = ? AND workspace = ? AND chat_user = ? AND opted_out <> ?1")
      .bind(1, opted_out ? 1 : 0)
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
  if (db_.changes() > 0) bump_people_version_locked(key.workspace);
  tx.commit();
}

void backend::mark_unreachable(const domain::member_key& key, std::int64_t pulse_id, time_point at) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare(
         "UPDATE members SET unreachable_since = COALESCE(unreachable_since, ?) "
         "WHERE platform = ? AND workspace = ? AND chat_user = ?")
      .bind(1, to_ms(at))
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
  db_.prepare(
         "UPDATE deliveries SET unreachable = 1 WHERE pulse_id = ? AND member_id = "
         "(SELECT id FROM members WHERE platform = ? AND workspace = ? AND chat_user = ?)")
      .bind(1, pulse_id)
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
  tx.commit();
}

std::vector<member> backend::take_people_to_look_up(domain::platform on, time_point due_at_or_before, time_point now,
                                                    std::size_t limit) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  auto s = db_.prepare("SELECT " SMREL_SQLITE_MEMBER_COLUMNS
                       " FROM members m WHERE platform = ?1 AND unreachable_since IS NULL "
                       "AND COALESCE(looked_up_at, 0) <= ?2 AND NOT EXISTS (SELECT 1 FROM installations i "
                       "WHERE i.platform = m.platform AND i.workspace = m.workspace AND i.removed_at IS NOT NULL) "
                       "ORDER BY COALESCE(looked_up_at, 0), id LIMIT ?3");
  s.bind(1, domain::platform_id(on)).bind(2, to_ms(due_at_or_before)).bind(3, static_cast<std::int64_t>(limit));
  std::vector<member> due;
  while (s.step()) due.push_back(read_member(s));
  for (const auto& m : due) {
    db_.prepare("UPDATE members SET looked_up_at = ? WHERE id = ?").bind(1, to_ms(now)).bind(2, m.id).run();
  }
  tx.commit();
  return due;
}

void backend::set_looked_up_at(const domain::member_key& key, time_point at) {
  std::lock_guard lock(mutex_);
  db_.prepare("UPDATE members SET looked_up_at = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
      .bind(1, to_ms(at))
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
}

void backend::set_person_kind(const domain::member_key& key, std::string_view pseudonym, domain::person_kind kind) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare("UPDATE members SET kind = ? WHERE platform = ? AND workspace = ? AND chat_user = ? AND kind <> ?1")
      .bind(1, domain::person_kind_id(kind))
      .bind(2, domain::platform_id(key.workspace.on))
      .bind(3, key.workspace.id)
      .bind(4, key.user)
      .run();
  if (db_.changes() == 0) return;  // unknown, or already so: the transaction rolls back, unchanged
  if (kind != domain::person_kind::person) {
    // Not kept aside uncounted: a flag on so few pseudonyms would link them to their people.
    db_.prepare("DELETE FROM answers WHERE pseudonym = ?").bind(1, pseudonym).run();
    db_.prepare("DELETE FROM follow_up_answers WHERE pseudonym = ?").bind(1, pseudonym).run();
  }
  bump_people_version_locked(key.workspace);
  tx.commit();
}

void backend::forget(const domain::member_key& key, std::string_view pseudonym) {
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  db_.prepare("DELETE FROM answers WHERE pseudonym = ?").bind(1, pseudonym).run();
  db_.prepare("DELETE FROM follow_up_answers WHERE pseudonym = ?").bind(1, pseudonym).run();
  db_.prepare("DELETE FROM respondents WHERE pseudonym = ?").bind(1, pseudonym).run();
  // Deliveries go with the member (ON DELETE CASCADE).
  db_.prepare("DELETE FROM members WHERE platform = ? AND workspace = ? AND chat_user = ?")
      .bind(1, domain::platform_id(key.workspace.on))
      .bind(2, key.workspace.id)
      .bind(3, key.user)
      .run();
  forget_direct_conversation_locked(key);
  // Always, even with no member row left: answers may have been erased, and a cache that missed
  // it would go on counting them.
  bump_people_version_locked(key.workspace);
  tx.commit();
}

std::int64_t backend::people_version(const domain::workspace_ref& workspace) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT people FROM workspace_versions WHERE platform = ? AND workspace = ?");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
  return s.step() ? s.integer(0) : 0;
}

// Inside the caller's transaction, so the version and the change it stands for commit together.
void backend::bump_people_version_locked(const domain::workspace_ref& workspace) {
  db_.prepare("INSERT INTO workspace_versions (platform, workspace, people) VALUES (?, ?, 1) "
              "ON CONFLICT (platform, workspace) DO UPDATE SET people = people + 1")
      .bind(1, domain::platform_id(workspace.on))
      .bind(2, workspace.id)
      .run();
}

// Direct conversations. The platform of one is the member's: only the address is stored.

std::optional<domain::conversation_ref> backend::find_direct_conversation(const domain::member_key& key) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT address FROM direct_conversations WHERE platform = ? AND workspace = ? AND chat_user = ?");
  s.bind(1, domain::platform_id(key.workspace.on)).bind(2, key.workspace.id).bind(3, key.user);
  if (!s.step()) return std::nullopt;
  return domain::conversation_ref{.on = key.workspace.on, .address = s.text(0)};
}

void backend::remember_direct_conversation(const domain::member_key& key, const domain::conversation_ref& conversation) {
  std::lock_guard lock(mutex_);
  db_.prepare("INSERT INTO direct_conversations (platform, workspace, chat_user, address) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (platform, workspace, chat_user) DO UPDATE SET address = excluded.address "
              "WHERE address <> excluded.address")  // Slack's Messages tab reports it on every visit
      .bind(1, domain::platform_id(key.workspace.on))
      .bind(2, key.workspace.id)
      .bind(3, key.user)
      .bind(4, conversation.address)
      .run();
}

void backend::forget_direct_conversation(const domain::member_key& key) {
  std::lock_guard lock(mutex_);
  forget_direct_conversation_locked(key);
}

void backend::forget_direct_conversation_locked(const domain::member_key& key) {
  db_.prepare("DELETE FROM direct_conversations WHERE platform = ? AND workspace = ? AND chat_user = ?")
      .bind(1, domain::platform_id(key.workspace.on))
      .bind(2, key.workspace.id)
      .bind(3, key.user)
      .run();
}

}  // namespace smrel::storage::sqlite

namespace smrel::storage {

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
  return std::make_unique<sqlite::backend>(path, options);
}

}  // namespace smrel::storage
