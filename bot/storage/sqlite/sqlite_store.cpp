#include "bot/storage/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <utility>

#include "bot/storage/sqlite/connection.hpp"
#include "bot/storage/sqlite/rows.hpp"
#include "bot/storage/sqlite/schema.hpp"

namespace smrel::storage {
namespace {

using namespace sqlite::rows;
using sqlite::connection;
using sqlite::statement;
using sqlite::transaction;

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
// Owner-only: the database holds chat user ids and response_urls.
constexpr mode_t owner_only = 0600;

// Which file the path named when the store opened it, to notice it being removed or replaced
// (SQLite keeps writing to the open, unlinked inode and every commit would be lost).
struct file_identity {
  dev_t device = 0;
  ino_t inode = 0;
};

// Creates the database file owner-only before SQLite does (SQLite gives -wal and -shm the
// database file's mode), and tightens an existing one (and its -wal/-shm) that is more open.
file_identity prepare_database_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, owner_only);
  if (fd < 0) {
    throw store_error("cannot open SQLite database \"" + path + "\": " + std::strerror(errno), store_failure::io);
  }
  struct stat st {};
  const bool known = ::fstat(fd, &st) == 0;
  if (known && (st.st_mode & 077) != 0) ::fchmod(fd, st.st_mode & 0700);
  ::close(fd);
  if (!known) throw store_error("cannot stat SQLite database \"" + path + "\"", store_failure::io);
  for (const auto* suffix : {"-wal", "-shm"}) {
    struct stat side {};
    const std::string side_path = path + suffix;
    if (::stat(side_path.c_str(), &side) == 0 && (side.st_mode & 077) != 0) ::chmod(side_path.c_str(), side.st_mode & 0700);
  }
  return {st.st_dev, st.st_ino};
}

// The outbox depth of one database file, shared by every store open on it in this process (the
// service and the admin CLI or a test harness, say): a change made through one is seen by all.
struct shared_depth {
  std::atomic<std::int64_t> rows{0};
  std::atomic<std::uint64_t> reads{0};
};

std::shared_ptr<shared_depth> depth_of(const file_identity& file) {
  static std::mutex mutex;
  static std::map<std::pair<dev_t, ino_t>, std::weak_ptr<shared_depth>> open_files;
  std::lock_guard lock(mutex);
  std::erase_if(open_files, [](const auto& entry) { return entry.second.expired(); });
  auto& slot = open_files[{file.device, file.inode}];
  auto depth = slot.lock();
  if (!depth) {
    depth = std::make_shared<shared_depth>();
    slot = depth;
  }
  return depth;
}

// Another process may change the outbox too (a second server while one restarts, a test): every
// this-many reads the depth is counted again, so its cost per metrics scrape stays a fraction of
// a COUNT and any drift is bounded.
constexpr std::uint64_t depth_recount_every = 32;
// Rows deleted per pruning transaction: a few milliseconds of write lock each.
constexpr std::size_t prune_batch_rows = 2'000;

class sqlite_store final : public store {
 public:
  sqlite_store(const std::string& path, const sqlite_options& options)
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

  int migrate() override {
    std::lock_guard lock(mutex_);
    const auto all = sqlite::migrations();
    int applied = 0;
    for (int version = current_version() + 1; version <= static_cast<int>(all.size()); ++version) {
      transaction tx(db_);
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

  int schema_version() override {
    std::lock_guard lock(mutex_);
    return current_version();
  }

  int latest_schema_version() const override { return static_cast<int>(sqlite::migrations().size()); }

  bool ping() override {
    std::lock_guard lock(read_mutex_);
    try {
      auto s = read_db_.prepare("SELECT 1");
      return s.step();
    } catch (const store_error&) {
      return false;
    }
  }

  readiness check_ready() override {
    try {
      ensure_same_file();
      ensure_free_space();
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

  member upsert_member(const domain::member_key& key, scoring::locale locale, time_point now) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO members (platform, workspace, chat_user, locale, joined_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, workspace, chat_user) DO NOTHING")
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .bind(4, scoring::locale_id(locale))
        .bind(5, to_ms(now))
        .run();
    return *find_member_locked(db_, key);
  }

  std::optional<member> find_member(const domain::member_key& key) override {
    std::lock_guard lock(read_mutex_);
    return find_member_locked(read_db_, key);
  }

  std::optional<member> find_member(std::int64_t id) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT id, platform, workspace, chat_user, grp, locale, opted_out, joined_at FROM members WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_member(s);
  }

  std::vector<member> members(const domain::workspace_ref& workspace) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT id, platform, workspace, chat_user, grp, locale, opted_out, joined_at FROM members "
                         "WHERE platform = ? AND workspace = ? ORDER BY id");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
    std::vector<member> out;
    while (s.step()) out.push_back(read_member(s));
    return out;
  }

  std::vector<domain::workspace_ref> workspaces() override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT platform, workspace FROM members UNION SELECT platform, workspace FROM respondents "
                         "ORDER BY 1, 2");
    std::vector<domain::workspace_ref> out;
    while (s.step()) out.push_back({parse_platform(s.text(0)), s.text(1)});
    return out;
  }

  void set_group(const domain::member_key& key, std::string_view pseudonym, scoring::group group) override {
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
    tx.commit();
  }

  void set_locale(const domain::member_key& key, scoring::locale locale) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE members SET locale = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, scoring::locale_id(locale))
        .bind(2, domain::platform_id(key.workspace.on))
        .bind(3, key.workspace.id)
        .bind(4, key.user)
        .run();
  }

  void set_opted_out(const domain::member_key& key, bool opted_out) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE members SET opted_out = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, opted_out ? 1 : 0)
        .bind(2, domain::platform_id(key.workspace.on))
        .bind(3, key.workspace.id)
        .bind(4, key.user)
        .run();
  }

  void forget(const domain::member_key& key, std::string_view pseudonym) override {
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
    forget_dm_channel_locked(key);
    tx.commit();
  }

  std::optional<std::string> find_dm_channel(const domain::member_key& key) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT channel FROM dm_channels WHERE platform = ? AND workspace = ? AND chat_user = ?");
    s.bind(1, domain::platform_id(key.workspace.on)).bind(2, key.workspace.id).bind(3, key.user);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  void remember_dm_channel(const domain::member_key& key, std::string_view channel) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO dm_channels (platform, workspace, chat_user, channel) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (platform, workspace, chat_user) DO UPDATE SET channel = excluded.channel "
                "WHERE channel <> excluded.channel")  // the Messages tab reports it on every visit
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .bind(4, channel)
        .run();
  }

  void forget_dm_channel(const domain::member_key& key) override {
    std::lock_guard lock(mutex_);
    forget_dm_channel_locked(key);
  }

  bool run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT 1 FROM scheduled_runs WHERE platform = ? AND workspace = ? AND kind = ? AND week = ?");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, kind).bind(4, week.to_string());
    return s.step();
  }

  pulse open_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, time_point opened_at,
                   time_point closes_at) override {
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

  std::optional<pulse> find_pulse(std::int64_t id) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT id, platform, workspace, week, opened_at, closes_at FROM pulses WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_pulse(s);
  }

  std::optional<pulse> find_pulse(const domain::workspace_ref& workspace, scoring::iso_week week) override {
    std::lock_guard lock(read_mutex_);
    return find_pulse_locked(read_db_, workspace, week);
  }

  delivery record_delivery(std::int64_t pulse_id, std::int64_t member_id, const scoring::pulse_block& items,
                           time_point at) override {
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

  void set_delivery_message(std::int64_t delivery_id, std::string_view channel, std::string_view message_id) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE deliveries SET channel = ?, message_id = ? WHERE id = ?")
        .bind(1, channel)
        .bind(2, message_id)
        .bind(3, delivery_id)
        .run();
  }

  std::optional<delivery> find_delivery(std::int64_t pulse_id, std::int64_t member_id) override {
    std::lock_guard lock(read_mutex_);
    return find_delivery_locked(read_db_, pulse_id, member_id);
  }

  response_count pulse_response(std::int64_t pulse_id) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT (SELECT COUNT(*) FROM deliveries WHERE pulse_id = ?1), "
                         "(SELECT COUNT(DISTINCT pseudonym) FROM answers WHERE pulse_id = ?1)");
    s.bind(1, pulse_id);
    s.step();
    return {static_cast<int>(s.integer(0)), static_cast<int>(s.integer(1))};
  }

  void store_answers(std::span<const new_answer> answers) override {
    if (answers.empty()) return;
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    for (const auto& a : answers) insert_answer(a);
    ensure_same_file();  // last, so the window before COMMIT is as small as it can be
    tx.commit();
  }

  void commit(const write_batch& batch, time_point now) override {
    if (batch.answers.empty() && batch.follow_ups.empty() && batch.outbox.empty() && batch.seen_events.empty()) return;
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    const auto queued = write_locked(batch, now);
    ensure_same_file();  // last, so the window before COMMIT is as small as it can be
    tx.commit();
    outbox_depth_->rows += queued;  // only once the rows exist
  }

  bool commit_run(const write_batch& batch, const domain::workspace_ref& workspace, std::string_view kind,
                  scoring::iso_week week, time_point at) override {
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    db_.prepare("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING")
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

 private:
  // The batch's rows, inside the caller's transaction; returns how many outbox rows it added.
  std::int64_t write_locked(const write_batch& batch, time_point now) {
    for (const auto& a : batch.answers) insert_answer(a);
    for (const auto& f : batch.follow_ups) {
      if (!scoring::is_answer_value(f.value)) throw store_error("follow-up answer out of range", store_failure::constraint);
      db_.prepare("INSERT INTO follow_up_answers (nudge, pseudonym, value, answered_at) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (nudge, pseudonym) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at")
          .bind(1, f.nudge)
          .bind(2, f.pseudonym)
          .bind(3, static_cast<std::int64_t>(f.value))
          .bind(4, to_ms(f.answered_at))
          .run();
    }
    std::int64_t queued = 0;
    for (const auto& m : batch.outbox) queued += insert_outbox(m, now) ? 1 : 0;
    for (const auto& key : batch.seen_events) {
      db_.prepare("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING")
          .bind(1, key)
          .bind(2, to_ms(now))
          .run();
    }
    return queued;
  }

 public:

  std::vector<answer_record> answers(const domain::workspace_ref& workspace, scoring::iso_week from,
                                     scoring::iso_week to) override {
    std::lock_guard lock(read_mutex_);
    // Respondents without a group row (never joined) count as "other".
    auto s = read_db_.prepare(
        "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at, a.instrument "
        "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
        "WHERE a.platform = ? AND a.workspace = ? AND a.week BETWEEN ? AND ? "
        "ORDER BY a.week, a.answered_at, a.id");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string()).bind(4, to.to_string());
    std::vector<answer_record> out;
    while (s.step()) out.push_back(read_answer(s));
    return out;
  }

  std::vector<answer_record> answers_by(std::string_view pseudonym, std::int64_t pulse_id) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare(
        "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at, a.instrument "
        "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
        "WHERE a.pseudonym = ? AND a.pulse_id = ? ORDER BY a.item");
    s.bind(1, pseudonym).bind(2, pulse_id);
    std::vector<answer_record> out;
    while (s.step()) out.push_back(read_answer(s));
    return out;
  }

  std::size_t answer_count() override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT COUNT(*) FROM answers");
    s.step();
    return static_cast<std::size_t>(s.integer(0));
  }

  bool record_event(std::string_view event_id, time_point received_at) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING")
        .bind(1, event_id)
        .bind(2, to_ms(received_at))
        .run();
    return db_.changes() == 1;
  }

  std::size_t prune_events(std::string_view prefix, time_point cutoff) override {
    // Clicks record a key each, so an hour's worth can be millions of rows: deleting them in one
    // statement held the commit mutex and the write lock long enough to fail clicks as busy.
    // Small batches, each its own transaction, let commits in between.
    std::size_t deleted = 0;
    for (;;) {
      std::lock_guard lock(mutex_);
      db_.prepare("DELETE FROM processed_events WHERE event_id IN (SELECT event_id FROM processed_events "
                  "WHERE received_at < ? AND instr(event_id, ?) = 1 LIMIT ?)")
          .bind(1, to_ms(cutoff))
          .bind(2, prefix.data() ? prefix : std::string_view(""))  // a null view would bind NULL
          .bind(3, static_cast<std::int64_t>(prune_batch_rows))
          .run();
      const auto n = static_cast<std::size_t>(db_.changes());
      deleted += n;
      if (n < prune_batch_rows) return deleted;
    }
  }

  std::vector<std::string> recent_events(std::string_view prefix, time_point since) override {
    std::lock_guard lock(read_mutex_);
    // instr() rather than LIKE: the prefix is literal, '%' and '_' included.
    auto s = read_db_.prepare("SELECT event_id FROM processed_events WHERE received_at >= ? AND instr(event_id, ?) = 1 "
                              "ORDER BY received_at, event_id");
    s.bind(1, to_ms(since));
    s.bind(2, prefix.empty() ? std::string_view("") : prefix);  // an empty view may have no data: NULL to SQLite
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  bool save_release(const release_record& r) override {
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

  std::vector<release_record> releases(const domain::workspace_ref& workspace, scoring::iso_week from,
                                       scoring::iso_week to) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT week, released_at, figures, COALESCE(people, '') FROM releases "
                              "WHERE platform = ? AND workspace = ? AND week BETWEEN ? AND ? ORDER BY week");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string()).bind(4, to.to_string());
    std::vector<release_record> out;
    while (s.step()) out.push_back({workspace, parse_week(s.text(0)), from_ms(s.integer(1)), s.text(2), s.text(3)});
    return out;
  }

  std::optional<scoring::iso_week> latest_release(const domain::workspace_ref& workspace) override {
    return workspace_week("SELECT MAX(week) FROM releases WHERE platform = ? AND workspace = ?", workspace);
  }

  std::optional<scoring::iso_week> first_answer_week(const domain::workspace_ref& workspace) override {
    return workspace_week("SELECT MIN(week) FROM answers WHERE platform = ? AND workspace = ?", workspace);
  }

  // One week (or none) from a query over a workspace's rows.
  std::optional<scoring::iso_week> workspace_week(const char* sql, const domain::workspace_ref& workspace) {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare(sql);
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
    if (!s.step() || s.is_null(0)) return std::nullopt;
    return parse_week(s.text(0));
  }

  void prune_release_people(const domain::workspace_ref& workspace, scoring::iso_week before) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE releases SET people = NULL WHERE platform = ? AND workspace = ? AND week < ? AND people IS NOT NULL")
        .bind(1, domain::platform_id(workspace.on))
        .bind(2, workspace.id)
        .bind(3, before.to_string())
        .run();
  }

  std::int64_t record_nudge(const issued_nudge& n) override {
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

  std::vector<issued_nudge> nudges_since(const domain::workspace_ref& workspace, scoring::iso_week from) override {
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

  std::vector<std::uint8_t> follow_up_values(std::int64_t nudge) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT value FROM follow_up_answers WHERE nudge = ?");
    s.bind(1, nudge);
    std::vector<std::uint8_t> out;
    while (s.step()) out.push_back(static_cast<std::uint8_t>(s.integer(0)));
    return out;
  }

  std::optional<std::uint8_t> follow_up_value(std::int64_t nudge, std::string_view pseudonym) override {
    std::lock_guard lock(read_mutex_);
    auto s = read_db_.prepare("SELECT value FROM follow_up_answers WHERE nudge = ? AND pseudonym = ?");
    s.bind(1, nudge).bind(2, pseudonym);
    if (!s.step()) return std::nullopt;
    return static_cast<std::uint8_t>(s.integer(0));
  }

  std::int64_t enqueue(const outbox_message& m, time_point now) override {
    std::lock_guard lock(mutex_);
    if (insert_outbox(m, now)) {
      ++outbox_depth_->rows;
      return db_.last_insert_id();
    }
    if (!m.dedupe_key.empty()) {
      auto s = db_.prepare("SELECT id FROM outbox WHERE dedupe_key = ?");
      s.bind(1, m.dedupe_key);
      if (s.step()) return s.integer(0);
    }
    auto s = db_.prepare("SELECT id FROM outbox WHERE coalesce_key = ? AND status = 'pending' ORDER BY id LIMIT 1");
    s.bind(1, m.coalesce_key);
    return s.step() ? s.integer(0) : 0;
  }

  std::vector<outbox_message> claim_due(time_point now, time_point lease_until, std::size_t limit) override {
    std::lock_guard lock(outbox_mutex_);
    // Idle senders poll often: look without the write lock first, so polling an empty outbox
    // never waits behind (or holds up) a writer, and another process's lock costs it nothing.
    if (!any_due(now)) return {};
    transaction tx(outbox_db_);
    std::vector<outbox_message> out;
    {
      // Due pending rows first, then "sending" rows whose lease ran out (their sender died). Two
      // range scans on (status, next_attempt_at), so a deep queue costs no sort.
      auto s = outbox_db_.prepare(
          "SELECT id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at, last_error, "
          "claim FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
      s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit));
      while (s.step()) out.push_back(read_outbox(s));
    }
    if (out.size() < limit) {
      auto s = outbox_db_.prepare(
          "SELECT id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at, last_error, "
          "claim FROM outbox WHERE status = 'sending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
      s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit - out.size()));
      while (s.step()) out.push_back(read_outbox(s));
    }
    for (auto& m : out) {
      m.claim = next_claim();
      outbox_db_.prepare("UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?, updated_at = ?, "
                  "claim = ? WHERE id = ?")
          .bind(1, to_ms(lease_until))
          .bind(2, to_ms(now))
          .bind(3, m.claim)
          .bind(4, m.id)
          .run();
      m.status = outbox_status::sending;
      ++m.attempts;
      m.next_attempt_at = lease_until;
    }
    tx.commit();
    return out;
  }

  // Claim tokens: random, so that two processes on one database never hand out the same one.
  std::int64_t next_claim() {
    std::int64_t token = 0;
    while (token == 0) token = static_cast<std::int64_t>(claim_tokens_() >> 1);
    return token;
  }

  bool any_due(time_point now) {
    auto s = outbox_db_.prepare("SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1) "
                                "OR EXISTS (SELECT 1 FROM outbox WHERE status = 'sending' AND next_attempt_at <= ?1)");
    s.bind(1, to_ms(now));
    return s.step() && s.integer(0) != 0;
  }

  // Outcomes apply only to a row still being sent under the caller's claim (see store.hpp).
  bool mark_sent(std::int64_t id, std::int64_t claim, time_point at) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'sent', updated_at = ?, last_error = '' "
                       "WHERE id = ? AND claim = ? AND status = 'sending'")
        .bind(1, to_ms(at))
        .bind(2, id)
        .bind(3, claim)
        .run();
    if (outbox_db_.changes() == 0) return false;
    --outbox_depth_->rows;
    return true;
  }

  bool reschedule(std::int64_t id, std::int64_t claim, time_point next_attempt_at, std::string_view error) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? "
                       "WHERE id = ? AND claim = ? AND status = 'sending'")
        .bind(1, to_ms(next_attempt_at))
        .bind(2, error)
        .bind(3, to_ms(next_attempt_at))
        .bind(4, id)
        .bind(5, claim)
        .run();
    return outbox_db_.changes() > 0;
  }

  bool mark_dead(std::int64_t id, std::int64_t claim, std::string_view error, time_point at) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'dead', last_error = ?, updated_at = ? "
                       "WHERE id = ? AND claim = ? AND status = 'sending'")
        .bind(1, error)
        .bind(2, to_ms(at))
        .bind(3, id)
        .bind(4, claim)
        .run();
    if (outbox_db_.changes() == 0) return false;
    --outbox_depth_->rows;
    return true;
  }

  bool release(std::int64_t id, std::int64_t claim, time_point next_attempt_at) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'pending', attempts = MAX(attempts - 1, 0), next_attempt_at = ? "
                "WHERE id = ? AND claim = ? AND status = 'sending'")
        .bind(1, to_ms(next_attempt_at))
        .bind(2, id)
        .bind(3, claim)
        .run();
    return outbox_db_.changes() > 0;
  }

  std::size_t release_all_claims(time_point now) override {
    std::lock_guard lock(outbox_mutex_);
    // attempts stays as claim_due counted it: a message that kills its sender is not retried forever.
    outbox_db_.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = MIN(next_attempt_at, ?) WHERE status = 'sending'")
        .bind(1, to_ms(now))
        .run();
    return static_cast<std::size_t>(outbox_db_.changes());
  }

  std::optional<outbox_message> find_outbox(std::int64_t id) override {
    std::lock_guard lock(outbox_mutex_);
    auto s = outbox_db_.prepare("SELECT id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at, "
                         "last_error, claim FROM outbox WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_outbox(s);
  }

  std::size_t outbox_depth() override {
    if (++outbox_depth_->reads % depth_recount_every == 0) {
      try {
        count_outbox_depth();
      } catch (const store_error&) {
        // Keep the kept count; the next recount may succeed.
      }
    }
    return static_cast<std::size_t>(std::max<std::int64_t>(outbox_depth_->rows.load(), 0));
  }

  std::size_t prune_outbox(time_point sent_before, time_point dead_before) override {
    // Finished rows only, so the depth does not change. Rows with a dedupe key stay: the key is the
    // only record that the message went out, and it must keep a second one from being queued.
    // In small batches, like prune_events: the first prune of a large old outbox must not hold
    // the write lock for seconds.
    std::size_t deleted = 0;
    for (const auto& [status, before] : {std::pair{"sent", sent_before}, std::pair{"dead", dead_before}}) {
      for (;;) {
        std::lock_guard lock(outbox_mutex_);
        outbox_db_.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE dedupe_key IS NULL AND status = ? "
                           "AND updated_at < ? LIMIT ?)")
            .bind(1, std::string_view(status))
            .bind(2, to_ms(before))
            .bind(3, static_cast<std::int64_t>(prune_batch_rows))
            .run();
        const auto n = static_cast<std::size_t>(outbox_db_.changes());
        deleted += n;
        if (n < prune_batch_rows) break;
      }
    }
    return deleted;
  }

 private:
  void insert_answer(const new_answer& a) {
    if (a.item >= scoring::statement_count || !scoring::is_answer_value(a.value) ||
        a.instrument < scoring::first_instrument_version || a.instrument > scoring::instrument_version) {
      throw store_error("answer out of range", store_failure::constraint);
    }
    db_.prepare("INSERT INTO answers (platform, workspace, pulse_id, pseudonym, week, item, value, answered_at, instrument) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (pulse_id, pseudonym, item) DO UPDATE SET value = excluded.value, "
                "answered_at = excluded.answered_at, instrument = excluded.instrument")
        .bind(1, domain::platform_id(a.workspace.on))
        .bind(2, a.workspace.id)
        .bind(3, a.pulse_id)
        .bind(4, a.pseudonym)
        .bind(5, a.week.to_string())
        .bind(6, static_cast<int>(a.item))
        .bind(7, static_cast<int>(a.value))
        .bind(8, to_ms(a.answered_at))
        .bind(9, static_cast<int>(a.instrument))
        .run();
  }

  // A message whose dedupe_key is already queued, or whose coalesce_key has a pending row, is
  // left out; returns whether a row was added. One statement per message, as before.
  bool insert_outbox(const outbox_message& m, time_point now) {
    auto s = db_.prepare(
        "INSERT INTO outbox (platform, method, target, payload, dedupe_key, coalesce_key, status, attempts, "
        "next_attempt_at, created_at, updated_at) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?8 "
        "WHERE ?6 IS NULL OR NOT EXISTS (SELECT 1 FROM outbox WHERE coalesce_key = ?6 AND status = 'pending') "
        "ON CONFLICT (dedupe_key) DO NOTHING");
    s.bind(1, domain::platform_id(m.on)).bind(2, m.method).bind(3, m.target).bind(4, m.payload);
    bind_or_null(s, 5, m.dedupe_key);
    bind_or_null(s, 6, m.coalesce_key);
    s.bind(7, to_ms(m.next_attempt_at)).bind(8, to_ms(now));
    s.run();
    return db_.changes() > 0;
  }

  // One stat() per commit: cheap next to the fsync, and it stops acknowledging writes that went
  // into a file nobody will ever open again.
  void ensure_same_file() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0 || st.st_dev != identity_.device || st.st_ino != identity_.inode) {
      throw store_error("database file was removed or replaced", store_failure::gone);
    }
  }

  void ensure_free_space() const {
    auto dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) throw store_error("cannot check free disk space", store_failure::io);
    const auto free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free_bytes < options_.min_free_bytes) {
      throw store_error("low disk space: " + std::to_string(free_bytes >> 20) + " MiB free", store_failure::full);
    }
  }

  // Once at open and after migrations; from then on the depth is kept as rows change.
  void count_outbox_depth() {
    std::lock_guard lock(read_mutex_);
    auto exists = read_db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'");
    if (!exists.step()) return;
    auto s = read_db_.prepare("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");
    s.step();
    outbox_depth_->rows = s.integer(0);
  }

  int current_version() {
    auto s = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.integer(0));
  }

  std::optional<member> find_member_locked(connection& db, const domain::member_key& key) {
    auto s = db.prepare("SELECT id, platform, workspace, chat_user, grp, locale, opted_out, joined_at FROM members "
                         "WHERE platform = ? AND workspace = ? AND chat_user = ?");
    s.bind(1, domain::platform_id(key.workspace.on)).bind(2, key.workspace.id).bind(3, key.user);
    if (!s.step()) return std::nullopt;
    return read_member(s);
  }

  void forget_dm_channel_locked(const domain::member_key& key) {
    db_.prepare("DELETE FROM dm_channels WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .run();
  }

  std::optional<pulse> find_pulse_locked(connection& db, const domain::workspace_ref& workspace, scoring::iso_week week) {
    auto s = db.prepare("SELECT id, platform, workspace, week, opened_at, closes_at FROM pulses "
                         "WHERE platform = ? AND workspace = ? AND week = ?");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, week.to_string());
    if (!s.step()) return std::nullopt;
    return read_pulse(s);
  }

  std::optional<delivery> find_delivery_locked(connection& db, std::int64_t pulse_id, std::int64_t member_id) {
    auto s = db.prepare("SELECT id, pulse_id, member_id, items, delivered_at, channel, message_id, instrument "
                         "FROM deliveries WHERE pulse_id = ? AND member_id = ?");
    s.bind(1, pulse_id).bind(2, member_id);
    if (!s.step()) return std::nullopt;
    return read_delivery(s);
  }

  const std::string path_;
  const sqlite_options options_;
  const file_identity identity_;  // of the file opened, set before SQLite opens it
  std::mutex mutex_;
  connection db_;  // durable commits: answers, members, pulses, outbox rows as they are queued
  // Reads on their own connection: in WAL mode they see every committed write and never wait for
  // the writer, so a commit busy-waiting on a foreign lock holds up no reader.
  std::mutex read_mutex_;
  connection read_db_;
  // Outbox bookkeeping (claims, sent, retries) on its own connection without fsync: it no longer
  // waits behind answer commits, and a machine crash can at worst make a message go out again,
  // which at-least-once delivery allows.
  std::mutex outbox_mutex_;
  std::mt19937_64 claim_tokens_{std::random_device{}()};  // under outbox_mutex_
  connection outbox_db_;
  // Readiness probes: their short busy wait and real write never hold up the other connections.
  std::mutex probe_mutex_;
  connection probe_db_;
  // Pending plus sending rows, counted at open and then kept as rows change, so a metrics scrape
  // costs no query (but see depth_recount_every).
  std::shared_ptr<shared_depth> outbox_depth_;
};

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
  return std::make_unique<sqlite_store>(path, options);
}

}  // namespace smrel::storage
