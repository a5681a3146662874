#include "bot/storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <map>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <thread>

#include <sqlite3.h>

#include "bot/storage/sqlite/schema.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::storage {
namespace {

using namespace std::chrono;
using domain::member_key;
using domain::platform;
using domain::workspace_ref;

const workspace_ref acme{platform::slack, "T0ACME"};
const time_point t0 = sys_days{2026y / November / 23} + hours{10};
const scoring::iso_week week48 = *scoring::iso_week::parse("2026-W48");

class sqlite_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store("sqlite:" + dir_.file("smrel.db"));
    ASSERT_EQ(store_->migrate(), store_->latest_schema_version());
  }
  void reopen() {
    store_.reset();
    store_ = open_store("sqlite:" + dir_.file("smrel.db"));
  }

  testing::temp_dir dir_;
  std::unique_ptr<store> store_;
};

TEST_F(sqlite_store_test, the_database_never_holds_chat_user_ids_next_to_answers) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  store_->upsert_member({acme, "U0SECRET"}, scoring::locale::en, t0);
  store_->store_answers(std::vector<new_answer>{{acme, pulse.id, "pseudonym-x", week48, 0, 3, t0}});
  reopen();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("smrel.db").c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM answers WHERE pseudonym LIKE '%U0SECRET%'", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 0);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

// A database file as migration `version` left it, written through raw SQLite; `exec` adds rows.
class database_at_version {
 public:
  database_at_version(const std::string& path, int version) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &raw_), SQLITE_OK);
    exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    for (int v = 1; v <= version; ++v) {
      exec(sqlite::migrations()[static_cast<std::size_t>(v - 1)]);
      exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)");
    }
  }
  ~database_at_version() { sqlite3_close(raw_); }
  database_at_version(const database_at_version&) = delete;
  database_at_version& operator=(const database_at_version&) = delete;

  void exec(std::string_view sql) {
    EXPECT_EQ(sqlite3_exec(raw_, std::string(sql).c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }

 private:
  sqlite3* raw_ = nullptr;
};

TEST(sqlite_migration, version_4_keeps_one_of_each_nudge_issued_twice_in_a_week) {
  // A database as version 3 left it, where `/smrel digest here` twice recorded a nudge twice.
  testing::temp_dir dir;
  {
    database_at_version old(dir.file("smrel.db"), 3);
    for (const auto* why : {"first", "second"}) {
      old.exec(std::string("INSERT INTO nudges (platform, workspace, nudge_id, week, why, issued_at) VALUES "
                           "('slack', 'T0ACME', 'lead_sla', '2026-W48', '") + why + "', 0)");
    }
  }

  const auto store = open_store("sqlite:" + dir.file("smrel.db"));
  EXPECT_EQ(store->migrate(), store->latest_schema_version() - 3);
  const auto kept = store->nudges_since(acme, week48);
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].why, "first");
}

TEST(sqlite_migration, version_8_carries_answers_over_as_instrument_1_and_takes_dont_know) {
  testing::temp_dir dir;
  {
    database_at_version old(dir.file("smrel.db"), 7);
    old.exec("INSERT INTO pulses (id, platform, workspace, week, opened_at, closes_at) VALUES (1, 'slack', 'T0ACME', '2026-W48', 0, 0)");
    old.exec("INSERT INTO members (id, platform, workspace, chat_user, grp, locale, joined_at) VALUES (1, 'slack', 'T0ACME', 'U1', 'sales', 'en', 0)");
    old.exec("INSERT INTO deliveries (pulse_id, member_id, items, delivered_at) VALUES (1, 1, 'q01,q02,q06,q09', 0)");
    old.exec("INSERT INTO answers (platform, workspace, pulse_id, pseudonym, week, item, value, answered_at) "
             "VALUES ('slack', 'T0ACME', 1, 'p1', '2026-W48', 8, 4, 0)");
    old.exec("INSERT INTO nudges (id, platform, workspace, nudge_id, week, why, issued_at) VALUES (1, 'slack', 'T0ACME', 'lead_sla', '2026-W44', 'w', 0)");
    old.exec("INSERT INTO follow_up_answers (nudge, pseudonym, value, answered_at) VALUES (1, 'p1', 3, 0)");
  }

  const auto store = open_store("sqlite:" + dir.file("smrel.db"));
  EXPECT_EQ(store->migrate(), store->latest_schema_version() - 7);
  EXPECT_EQ(store->find_delivery(1, 1)->instrument, 1) << "sent in version 1's wording";
  EXPECT_EQ(store->follow_up_values(1), (std::vector<std::uint8_t>{3}));
  store->commit(write_batch{{}, {{1, "p2", scoring::dont_know, t0}}, {}, {}, {}}, t0);
  EXPECT_EQ(store->follow_up_values(1), (std::vector<std::uint8_t>{3, scoring::dont_know}));
  const auto kept = store->answers(acme, week48, week48);
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].item, 8);
  EXPECT_EQ(kept[0].value, 4);
  EXPECT_EQ(kept[0].instrument, 1) << "asked before version 2";
  const auto pulse = store->find_pulse(acme, week48);
  ASSERT_TRUE(pulse);
  store->store_answers(std::vector<new_answer>{{acme, pulse->id, "p1", week48, 23, scoring::dont_know, t0, 2}});
  const auto both = store->answers_by("p1", pulse->id);
  ASSERT_EQ(both.size(), 2U);
  EXPECT_EQ(both[1].value, scoring::dont_know);
  EXPECT_EQ(both[1].instrument, 2);
  EXPECT_THROW(store->store_answers(std::vector<new_answer>{{acme, pulse->id, "p1", week48, 2, 7, t0, 2}}), store_error);
  EXPECT_THROW(store->store_answers(std::vector<new_answer>{{acme, pulse->id, "p1", week48, 2, 3, t0, 3}}), store_error);
}

TEST(sqlite_migration, version_6_keeps_lasting_dedupe_keys_and_lets_per_row_ones_be_pruned) {
  // An outbox as version 5 left it: every row had a key, random ones for per-click updates.
  testing::temp_dir dir;
  {
    database_at_version old(dir.file("smrel.db"), 5);
    for (const auto* key : {"pulse:1:1", "response:ab12", "digest:T0ACME:C1:2026-W48", "dm.pulse:7:U1"}) {
      old.exec(std::string("INSERT INTO outbox (platform, method, target, payload, dedupe_key, status, next_attempt_at, "
                           "created_at, updated_at) VALUES ('slack', 'm', 't', '{}', '") + key + "', 'sent', 0, 0, 0)");
    }
    old.exec("INSERT INTO outbox (platform, method, target, payload, dedupe_key, status, next_attempt_at, created_at, "
             "updated_at) VALUES ('slack', 'm', 't', '{}', 'home:Ev1', 'pending', 0, 0, 0)");
  }

  const auto store = open_store("sqlite:" + dir.file("smrel.db"));
  EXPECT_EQ(store->outbox_depth(), 1U);
  EXPECT_EQ(store->migrate(), store->latest_schema_version() - 5);
  EXPECT_EQ(store->outbox_depth(), 1U);
  EXPECT_EQ(store->prune_outbox(t0, t0), 2U);  // the random per-row keys guarded nothing
  outbox_message digest;
  digest.address = "C1";
  digest.dedupe_key = "digest:T0ACME:C1:2026-W48";
  EXPECT_EQ(store->enqueue(digest, t0), 3);  // still sent once
  digest.dedupe_key = "dm.pulse:7:U1";
  EXPECT_EQ(store->enqueue(digest, t0), 4);
  EXPECT_EQ(store->outbox_depth(), 1U);
  EXPECT_TRUE(store->check_ready().ready);
}

TEST(sqlite_migration, version_10_keeps_queued_rows_as_verbatim_and_carries_conversations_and_runs_over) {
  testing::temp_dir dir;
  {
    database_at_version old(dir.file("smrel.db"), 9);
    old.exec("INSERT INTO outbox (id, platform, method, target, payload, dedupe_key, coalesce_key, status, attempts, "
             "next_attempt_at, created_at, updated_at, last_error, claim) VALUES "
             "(1, 'slack', 'chat.postMessage', 'C0LEADERS', '{\"text\":\"digest\"}', 'digest:T0ACME:C1:2026-W48', NULL, "
             "'pending', 2, 5000, 0, 0, 'HTTP 503', 0), "
             "(2, 'slack', 'response_url.pulse', 'https://hooks.slack.com/a/\"1', '{}', NULL, 'c:1', 'sent', 1, 0, 0, 0, "
             "'', 77)");
    old.exec("INSERT INTO dm_channels (platform, workspace, chat_user, channel) VALUES ('slack', 'T0ACME', 'U1', 'D0ANN')");
    old.exec("INSERT INTO pulses (id, platform, workspace, week, opened_at, closes_at) VALUES (1, 'slack', 'T0ACME', '2026-W48', 0, 0)");
    old.exec("INSERT INTO members (id, platform, workspace, chat_user, grp, locale, joined_at) VALUES (1, 'slack', 'T0ACME', 'U1', 'sales', 'en', 0)");
    old.exec("INSERT INTO deliveries (pulse_id, member_id, items, delivered_at, channel, message_id, instrument) "
             "VALUES (1, 1, 'q01,q02,q06,q09', 0, 'D0ANN', '1700000000.000100', 2)");
    old.exec("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at) VALUES ('slack', 'T0ACME', 'digest', '2026-W48', 0)");
  }

  const auto store = open_store("sqlite:" + dir.file("smrel.db"));
  EXPECT_EQ(store->migrate(), store->latest_schema_version() - 9);
  const auto digest = store->find_outbox(1);
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->kind, outbox_kind::verbatim);
  EXPECT_EQ(digest->on, platform::slack);
  EXPECT_EQ(digest->address, R"({"method":"chat.postMessage","target":"C0LEADERS"})");
  EXPECT_EQ(digest->content, R"({"text":"digest"})");
  EXPECT_EQ(digest->dedupe_key, "digest:T0ACME:C1:2026-W48");
  EXPECT_EQ(digest->status, outbox_status::pending);
  EXPECT_EQ(digest->attempts, 2);
  EXPECT_EQ(digest->last_error, "HTTP 503");
  const auto update = store->find_outbox(2);
  ASSERT_TRUE(update);
  EXPECT_EQ(update->kind, outbox_kind::verbatim);
  EXPECT_EQ(update->address, R"({"method":"response_url.pulse","target":"https://hooks.slack.com/a/\"1"})");
  EXPECT_EQ(update->claim, 77);
  EXPECT_EQ(store->outbox_depth(), 1U);

  outbox_message again;  // the old key still guards against a second digest
  again.address = "C0LEADERS";
  again.dedupe_key = "digest:T0ACME:C1:2026-W48";
  EXPECT_EQ(store->enqueue(again, t0), 1);
  const auto claimed = store->claim_due(t0, t0 + seconds{30}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].kind, outbox_kind::verbatim);
  EXPECT_EQ(claimed[0].content, R"({"text":"digest"})");

  EXPECT_EQ(store->find_direct_conversation({acme, "U1"}), (domain::conversation_ref{platform::slack, "D0ANN"}));
  const auto delivery = store->find_delivery(1, 1);
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->sent, (domain::message_ref{{platform::slack, "D0ANN"}, "1700000000.000100"}));
  EXPECT_EQ(delivery->instrument, 2);
  EXPECT_TRUE(store->run_done(acme, "digest", week48));
  EXPECT_FALSE(store->try_claim_run(acme, "digest", week48, "server-a", t0, t0 + minutes{5}));
  EXPECT_TRUE(store->try_claim_run(acme, "pulse", week48, "server-a", t0, t0 + minutes{5}));
  EXPECT_EQ(store->people_version(acme), 0);
  EXPECT_FALSE(store->find_installation(acme));
  store->set_opted_out({acme, "U1"}, true);
  EXPECT_EQ(store->people_version(acme), 1);
  EXPECT_TRUE(store->check_ready().ready);
}

// Another process using the same database file: its own connection, outside the store.
class foreign_connection {
 public:
  explicit foreign_connection(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  ~foreign_connection() { sqlite3_close(db_); }
  foreign_connection(const foreign_connection&) = delete;
  foreign_connection& operator=(const foreign_connection&) = delete;
  void exec(const std::string& sql) { ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql; }
  std::int64_t count(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    const auto n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
  }

 private:
  sqlite3* db_ = nullptr;
};

using stopwatch = std::chrono::steady_clock;
milliseconds since(stopwatch::time_point start) { return duration_cast<milliseconds>(stopwatch::now() - start); }

write_batch one_answer(std::int64_t pulse_id, const std::string& pseudonym, time_point at) {
  write_batch batch;
  batch.answers.push_back({acme, pulse_id, pseudonym, week48, 0, 3, at});
  return batch;
}

outbox_message pulse_update(const std::string& reply_address, time_point at) {
  outbox_message m;
  m.kind = outbox_kind::pulse_update;
  m.address = reply_address;
  m.content = R"({"pulse":1})";
  m.coalesce_key = "pulse_update:" + reply_address;
  m.next_attempt_at = at;
  return m;
}

std::int64_t active_rows(const std::string& path) {
  foreign_connection raw(path);
  return raw.count("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");
}

// A. Readiness.
TEST_F(sqlite_store_test, not_ready_quickly_while_another_process_holds_the_write_lock) {
  foreign_connection other(dir_.file("smrel.db"));
  other.exec("BEGIN IMMEDIATE");
  const auto start = stopwatch::now();
  const auto locked = store_->check_ready();
  EXPECT_LT(since(start), milliseconds{1000});
  EXPECT_FALSE(locked.ready);
  EXPECT_FALSE(locked.reason.empty());
  other.exec("ROLLBACK");
  const auto released = store_->check_ready();
  EXPECT_TRUE(released.ready) << released.reason;
}

TEST(sqlite_readiness, not_ready_when_the_disk_is_almost_full) {
  testing::temp_dir dir;
  sqlite_options options;
  options.min_free_bytes = std::numeric_limits<std::uint64_t>::max();  // no disk has that much free
  const auto store = open_sqlite_store(dir.file("smrel.db"), options);
  store->migrate();
  const auto r = store->check_ready();
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.reason.find("disk"), std::string::npos) << r.reason;
}

// B. The database file removed or replaced under a running store.
void remove_database(const std::string& path) {
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

void expect_gone(const std::function<void()>& write) {
  try {
    write();
    ADD_FAILURE() << "the write succeeded into a removed database";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("removed or replaced"), std::string::npos) << e.what();
    EXPECT_TRUE(e.about_the_database());
    EXPECT_FALSE(e.retryable());
  }
}

TEST_F(sqlite_store_test, commits_fail_and_not_ready_when_the_database_file_was_removed) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  store_->commit(one_answer(pulse.id, "p1", t0), t0);
  remove_database(dir_.file("smrel.db"));
  expect_gone([&] { store_->commit(one_answer(pulse.id, "p2", t0), t0); });
  expect_gone([&] { store_->store_answers(one_answer(pulse.id, "p3", t0).answers); });
  const auto r = store_->check_ready();
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.reason.find("removed or replaced"), std::string::npos) << r.reason;
}

TEST_F(sqlite_store_test, commits_fail_when_the_database_file_was_replaced) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  {
    const auto impostor = open_store("sqlite:" + dir_.file("other.db"));
    impostor->migrate();
  }
  std::filesystem::rename(dir_.file("other.db"), dir_.file("smrel.db"));
  expect_gone([&] { store_->commit(one_answer(pulse.id, "p2", t0), t0); });
  EXPECT_FALSE(store_->check_ready().ready);
}

// C. A foreign write lock: fail fast, and reads go on.
TEST_F(sqlite_store_test, a_commit_under_a_foreign_write_lock_fails_fast_as_transient) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  foreign_connection other(dir_.file("smrel.db"));
  other.exec("BEGIN IMMEDIATE");
  const auto start = stopwatch::now();
  try {
    store_->commit(one_answer(pulse.id, "p1", t0), t0);
    ADD_FAILURE() << "committed under a foreign write lock";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::transient) << e.what();
    EXPECT_TRUE(e.about_the_database());
    EXPECT_TRUE(e.retryable());
  }
  EXPECT_LT(since(start), milliseconds{2500});
  other.exec("ROLLBACK");
  store_->commit(one_answer(pulse.id, "p1", t0), t0);
  EXPECT_EQ(store_->answer_count(), 1U);
}

TEST_F(sqlite_store_test, reads_do_not_wait_behind_a_commit_waiting_for_a_foreign_lock) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  store_->upsert_member({acme, "U1"}, scoring::locale::en, t0);
  store_->commit(one_answer(pulse.id, "p0", t0), t0);
  foreign_connection other(dir_.file("smrel.db"));
  other.exec("BEGIN IMMEDIATE");
  std::atomic<bool> started{false};
  std::thread writer([&] {
    started = true;
    try {
      store_->commit(one_answer(pulse.id, "p1", t0), t0);
    } catch (const store_error&) {
    }
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(milliseconds{100});  // the writer is inside its busy wait by now
  const auto start = stopwatch::now();
  EXPECT_EQ(store_->answers(acme, week48, week48).size(), 1U);
  EXPECT_TRUE(store_->find_member({acme, "U1"}));
  EXPECT_TRUE(store_->find_pulse(pulse.id));
  EXPECT_LT(since(start), milliseconds{200});
  writer.join();
}

// D. Outbox growth and its depth.
TEST_F(sqlite_store_test, outbox_depth_stays_exact_across_every_transition_and_a_reopen) {
  const auto path = dir_.file("smrel.db");
  const auto expect_exact = [&](const char* step) {
    EXPECT_EQ(static_cast<std::int64_t>(store_->outbox_depth()), active_rows(path)) << step;
  };
  outbox_message m;
  m.address = "C1";
  m.content = "{}";
  m.next_attempt_at = t0;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    m.dedupe_key = "k" + std::to_string(i);
    ids.push_back(store_->enqueue(m, t0));
  }
  store_->enqueue(m, t0);  // a duplicate adds nothing
  expect_exact("enqueue");
  write_batch batch;
  m.dedupe_key = "k0";  // already queued
  batch.outbox.push_back(m);
  m.dedupe_key = "k6";
  batch.outbox.push_back(m);
  store_->commit(batch, t0);
  expect_exact("commit");
  batch.answers.push_back({acme, 999, "p", week48, 0, 3, t0});  // no such pulse: rolls back
  m.dedupe_key = "k7";
  batch.outbox.push_back(m);
  EXPECT_THROW(store_->commit(batch, t0), store_error);
  expect_exact("rolled back commit");
  std::map<std::int64_t, std::int64_t> claim_of;
  for (const auto& c : store_->claim_due(t0, t0 + seconds{30}, 4)) claim_of[c.id] = c.claim;
  ASSERT_EQ(claim_of.size(), 4U);
  expect_exact("claim");
  EXPECT_TRUE(store_->mark_sent(ids[0], claim_of[ids[0]], t0));
  EXPECT_FALSE(store_->mark_sent(ids[0], claim_of[ids[0]], t0));  // twice
  expect_exact("sent");
  EXPECT_TRUE(store_->mark_dead(ids[1], claim_of[ids[1]], "x", t0));
  EXPECT_FALSE(store_->mark_dead(ids[1], claim_of[ids[1]], "x", t0));
  EXPECT_FALSE(store_->mark_sent(ids[1], claim_of[ids[1]], t0));  // sent after dead: still not active
  expect_exact("dead");
  EXPECT_TRUE(store_->reschedule(ids[2], claim_of[ids[2]], t0 + minutes{1}, "503"));
  EXPECT_TRUE(store_->release(ids[3], claim_of[ids[3]], t0));
  expect_exact("reschedule and release");
  store_->release_all_claims(t0);
  expect_exact("release all");
  store_->prune_outbox(t0 + days{1}, t0 + days{1});
  expect_exact("prune");
  const auto before = store_->outbox_depth();
  reopen();
  EXPECT_EQ(store_->outbox_depth(), before);
  expect_exact("reopen");
}

TEST_F(sqlite_store_test, outbox_depth_is_kept_in_memory_not_counted_per_call) {
  outbox_message m;
  m.address = "C1";
  m.content = "{}";
  m.dedupe_key = "k";
  store_->enqueue(m, t0);
  foreign_connection other(dir_.file("smrel.db"));  // a row behind the store's back is not counted
  other.exec("INSERT INTO outbox (platform, kind, address, content, dedupe_key, status, next_attempt_at, created_at, "
             "updated_at) VALUES ('slack', 'post', 'C', '{}', 'foreign', 'pending', 0, 0, 0)");
  EXPECT_EQ(store_->outbox_depth(), 1U);
}

// E. Files readable by the owner only.
TEST(sqlite_files, database_wal_and_shm_are_created_owner_only) {
  testing::temp_dir dir;
  const auto old_mask = ::umask(022);
  {
    const auto store = open_store("sqlite:" + dir.file("smrel.db"));
    store->migrate();
    store->commit(write_batch{{}, {}, {pulse_update("https://hooks.slack.com/a/1", t0)}, {}, {}}, t0);
    for (const auto* suffix : {"", "-wal", "-shm"}) {
      struct stat st {};
      ASSERT_EQ(::stat((dir.file("smrel.db") + suffix).c_str(), &st), 0) << suffix;
      EXPECT_EQ(st.st_mode & 077, 0U) << suffix << " is mode " << std::oct << (st.st_mode & 0777);
    }
  }
  ::umask(old_mask);
}

TEST(sqlite_files, an_existing_world_readable_database_is_made_owner_only) {
  testing::temp_dir dir;
  open_store("sqlite:" + dir.file("smrel.db"))->migrate();
  ASSERT_EQ(::chmod(dir.file("smrel.db").c_str(), 0644), 0);
  const auto store = open_store("sqlite:" + dir.file("smrel.db"));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("smrel.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
}

// G. What only SQLite's schema enforces, and how its failures are named.
TEST_F(sqlite_store_test, the_schema_refuses_an_outbox_kind_it_does_not_know) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("smrel.db").c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw,
                         "INSERT INTO outbox (platform, kind, address, content, status, next_attempt_at, created_at, "
                         "updated_at) VALUES ('slack', 'chat.postMessage', 'C1', '{}', 'pending', 0, 0, 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
  sqlite3_close(raw);
}

TEST(sqlite_failures, a_file_that_is_not_a_database_is_corrupt) {
  testing::temp_dir dir;
  {
    std::FILE* f = std::fopen(dir.file("smrel.db").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string garbage(8192, 'x');
    std::fwrite(garbage.data(), 1, garbage.size(), f);
    std::fclose(f);
  }
  try {
    open_store("sqlite:" + dir.file("smrel.db"))->migrate();
    ADD_FAILURE() << "opened a file of garbage";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::corrupt) << e.what();
    EXPECT_TRUE(e.about_the_database());
    EXPECT_FALSE(e.retryable());
  }
}

TEST(sqlite_failures, a_directory_that_cannot_hold_the_file_is_unavailable) {
  try {
    open_store("sqlite:/nonexistent-dir/x/y.db");
    ADD_FAILURE();
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::unavailable) << e.what();
  }
}

TEST(open_store, refuses_unknown_urls_with_a_clear_message) {
  EXPECT_THROW(open_store("mysql://x"), store_error);
  EXPECT_THROW(open_store("sqlite:"), store_error);
  EXPECT_THROW(open_store("sqlite:/nonexistent-dir/x/y.db"), store_error);
}

}  // namespace
}  // namespace smrel::storage
