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

TEST_F(sqlite_store_test, migrates_from_empty_once) {
  EXPECT_EQ(store_->schema_version(), store_->latest_schema_version());
  EXPECT_EQ(store_->migrate(), 0);
  reopen();
  EXPECT_EQ(store_->schema_version(), store_->latest_schema_version());
  EXPECT_EQ(store_->migrate(), 0);
  EXPECT_TRUE(store_->ping());
}

TEST_F(sqlite_store_test, members_round_trip_and_upsert_keeps_the_first) {
  const member_key ann{acme, "U1"};
  const auto created = store_->upsert_member(ann, scoring::locale::nl, t0);
  EXPECT_EQ(created.key, ann);
  EXPECT_EQ(created.group, scoring::group::other);
  EXPECT_EQ(created.locale, scoring::locale::nl);
  EXPECT_EQ(created.joined_at, time_point_cast<milliseconds>(t0));
  const auto again = store_->upsert_member(ann, scoring::locale::en, t0 + hours{1});
  EXPECT_EQ(again.id, created.id);
  EXPECT_EQ(again.locale, scoring::locale::nl);

  store_->set_group(ann, "pseudo-ann", scoring::group::marketing);
  store_->set_opted_out(ann, true);
  store_->set_locale(ann, scoring::locale::en);
  reopen();
  const auto found = store_->find_member(ann);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->group, scoring::group::marketing);
  EXPECT_TRUE(found->opted_out);
  EXPECT_EQ(found->locale, scoring::locale::en);
  EXPECT_EQ(store_->find_member(created.id)->key.user, "U1");
  EXPECT_FALSE(store_->find_member(member_key{acme, "U2"}));
  EXPECT_FALSE(store_->find_member(member_key{{platform::teams, "T0ACME"}, "U1"}));  // platforms are apart
  EXPECT_EQ(store_->members(acme).size(), 1U);
  EXPECT_EQ(store_->workspaces(), std::vector<workspace_ref>{acme});
  EXPECT_THROW(store_->set_group(member_key{acme, "nobody"}, "p", scoring::group::sales), store_error);
}

TEST_F(sqlite_store_test, pulses_and_deliveries_are_idempotent) {
  const auto p1 = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const auto p2 = store_->open_pulse(acme, week48, t0 + hours{1}, t0 + days{8});
  EXPECT_EQ(p1.id, p2.id);
  EXPECT_EQ(p2.opened_at, time_point_cast<milliseconds>(t0));
  EXPECT_EQ(store_->find_pulse(p1.id)->week, week48);
  EXPECT_FALSE(store_->find_pulse(acme, week48 + 1));

  const auto m = store_->upsert_member({acme, "U1"}, scoring::locale::en, t0);
  const scoring::pulse_block items{0, 5, 12, 19};
  const auto d1 = store_->record_delivery(p1.id, m.id, items, t0);
  const auto d2 = store_->record_delivery(p1.id, m.id, scoring::pulse_block{1, 2, 3, 4}, t0);
  EXPECT_EQ(d1.id, d2.id);
  EXPECT_EQ(d2.items, items);
  store_->set_delivery_message(d1.id, "D123", "1700000000.000100");
  const auto found = store_->find_delivery(p1.id, m.id);
  EXPECT_EQ(found->channel, "D123");
  EXPECT_EQ(found->message_id, "1700000000.000100");
  EXPECT_EQ(store_->pulse_response(p1.id).asked, 1);
}

TEST_F(sqlite_store_test, answers_replace_within_a_pulse_and_read_back_with_groups) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const member_key ann{acme, "U1"};
  store_->upsert_member(ann, scoring::locale::en, t0);
  store_->set_group(ann, "p-ann", scoring::group::sales);
  const std::vector<new_answer> first{{acme, pulse.id, "p-ann", week48, 0, 2, t0},
                                      {acme, pulse.id, "p-ann", week48, 1, 4, t0 + seconds{1}},
                                      {acme, pulse.id, "p-bob", week48, 0, 5, t0 + seconds{2}}};
  store_->store_answers(first);
  store_->store_answers(std::vector<new_answer>{{acme, pulse.id, "p-ann", week48, 0, 3, t0 + minutes{5}}});
  reopen();
  const auto all = store_->answers(acme, week48, week48);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(store_->answer_count(), 3U);
  // Ordered by arrival: ann's q02, bob's q01, then ann's changed q01.
  EXPECT_EQ(all[0].item, 1);
  EXPECT_EQ(all[1].pseudonym, "p-bob");
  EXPECT_EQ(all[1].group, scoring::group::other);  // never joined a group
  EXPECT_EQ(all[2].value, 3);
  EXPECT_EQ(all[2].group, scoring::group::sales);
  EXPECT_EQ(store_->answers_by("p-ann", pulse.id).size(), 2U);
  EXPECT_EQ(store_->pulse_response(pulse.id).answered, 2);
  EXPECT_TRUE(store_->answers(acme, week48 + 1, week48 + 2).empty());
  EXPECT_TRUE(store_->answers({platform::slack, "T0OTHER"}, week48, week48).empty());
}

TEST_F(sqlite_store_test, a_bad_answer_rolls_back_the_whole_batch) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const std::vector<new_answer> batch{{acme, pulse.id, "p1", week48, 0, 3, t0}, {acme, pulse.id, "p2", week48, 0, 9, t0}};
  EXPECT_THROW(store_->store_answers(batch), store_error);
  EXPECT_EQ(store_->answer_count(), 0U);
  const std::vector<new_answer> orphan{{acme, 999, "p1", week48, 0, 3, t0}};  // no such pulse
  EXPECT_THROW(store_->store_answers(orphan), store_error);
}

TEST_F(sqlite_store_test, forget_erases_member_deliveries_and_answers) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const member_key ann{acme, "U1"};
  const auto m = store_->upsert_member(ann, scoring::locale::en, t0);
  store_->set_group(ann, "p-ann", scoring::group::sales);
  store_->record_delivery(pulse.id, m.id, scoring::pulse_block{0, 1, 2, 3}, t0);
  store_->store_answers(std::vector<new_answer>{{acme, pulse.id, "p-ann", week48, 0, 3, t0},
                                                {acme, pulse.id, "p-bob", week48, 0, 4, t0}});
  store_->remember_dm_channel(ann, "D0ANN");
  store_->forget(ann, "p-ann");
  EXPECT_FALSE(store_->find_member(ann));
  EXPECT_FALSE(store_->find_dm_channel(ann));
  EXPECT_FALSE(store_->find_delivery(pulse.id, m.id));
  const auto left = store_->answers(acme, week48, week48);
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0].pseudonym, "p-bob");
}

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

TEST_F(sqlite_store_test, nudges_round_trip) {
  store_->record_nudge({0, acme, "lead_sla", week48, "why", t0, week48 + 4});
  store_->record_nudge({0, acme, "win_loss_fields", week48 - 3, "old", t0, std::nullopt});
  const auto recent = store_->nudges_since(acme, week48 - 1);
  ASSERT_EQ(recent.size(), 1U);
  EXPECT_EQ(recent[0].nudge_id, "lead_sla");
  EXPECT_EQ(recent[0].follow_up_week, week48 + 4);
  EXPECT_EQ(store_->nudges_since(acme, week48 - 5).size(), 2U);
}

TEST_F(sqlite_store_test, follow_up_answers_replace_per_respondent_commit_atomically_and_are_forgotten) {
  const auto nudge = store_->record_nudge({0, acme, "lead_sla", week48, "why", t0, week48 + 4});
  write_batch batch;
  batch.follow_ups = {{nudge, "p-ann", 2, t0}, {nudge, "p-bob", 5, t0}, {nudge, "p-ann", 4, t0 + hours{1}}};
  store_->commit(batch, t0);
  auto values = store_->follow_up_values(nudge);
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<std::uint8_t>{4, 5}));
  EXPECT_EQ(store_->follow_up_value(nudge, "p-ann"), 4);
  EXPECT_FALSE(store_->follow_up_value(nudge, "p-cat"));

  write_batch bad;  // a follow-up to no nudge fails the whole batch, outbox row included
  bad.follow_ups = {{nudge + 100, "p-cat", 3, t0}};
  bad.outbox.push_back({0, platform::slack, "chat.postMessage", "C1", "{}", "bad-batch", outbox_status::pending, 0, t0, "", ""});
  EXPECT_THROW(store_->commit(bad, t0), store_error);
  EXPECT_EQ(store_->outbox_depth(), 0U);

  store_->forget({acme, "U1"}, "p-ann");
  EXPECT_EQ(store_->follow_up_values(nudge), (std::vector<std::uint8_t>{5}));
}

TEST_F(sqlite_store_test, a_nudge_is_recorded_once_a_week) {
  const auto first = store_->record_nudge({0, acme, "lead_sla", week48, "why", t0, week48 + 4});
  const auto again = store_->record_nudge({0, acme, "lead_sla", week48, "why again", t0 + hours{1}, week48 + 4});
  EXPECT_EQ(again, first);
  EXPECT_EQ(store_->nudges_since(acme, week48).size(), 1U);
  EXPECT_NE(store_->record_nudge({0, acme, "lead_sla", week48 + 1, "next week", t0, std::nullopt}), first);
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
  store->commit(write_batch{{}, {{1, "p2", scoring::dont_know, t0}}, {}, {}}, t0);
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
  digest.method = "chat.postMessage";
  digest.dedupe_key = "digest:T0ACME:C1:2026-W48";
  EXPECT_EQ(store->enqueue(digest, t0), 3);  // still sent once
  digest.dedupe_key = "dm.pulse:7:U1";
  EXPECT_EQ(store->enqueue(digest, t0), 4);
  EXPECT_EQ(store->outbox_depth(), 1U);
  EXPECT_TRUE(store->check_ready().ready);
}

TEST_F(sqlite_store_test, dm_channels_are_remembered_per_person_across_restarts) {
  const member_key ann{acme, "U1"};
  const member_key ann_elsewhere{{platform::slack, "T0OTHER"}, "U1"};
  EXPECT_FALSE(store_->find_dm_channel(ann));
  store_->remember_dm_channel(ann, "D0OLD");
  store_->remember_dm_channel(ann, "D0ANN");  // reopened: the newer channel wins
  reopen();
  EXPECT_EQ(store_->find_dm_channel(ann), "D0ANN");
  EXPECT_FALSE(store_->find_dm_channel(ann_elsewhere));
  store_->forget_dm_channel(ann);
  EXPECT_FALSE(store_->find_dm_channel(ann));
}

TEST_F(sqlite_store_test, scheduled_runs_are_done_once_per_workspace_kind_and_week) {
  const workspace_ref other{platform::slack, "T0OTHER"};
  EXPECT_FALSE(store_->run_done(acme, "pulse", week48));
  write_batch batch;
  outbox_message m;
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = "{}";
  m.next_attempt_at = t0;
  batch.outbox = {m, m};
  EXPECT_TRUE(store_->commit_run(batch, acme, "pulse", week48, t0));
  EXPECT_EQ(store_->outbox_depth(), 2U);
  // A second process found the same week due: it queues nothing.
  const auto second = open_store("sqlite:" + dir_.file("smrel.db"));
  EXPECT_FALSE(second->commit_run(batch, acme, "pulse", week48, t0 + hours{1}));
  EXPECT_FALSE(store_->commit_run(batch, acme, "pulse", week48, t0 + hours{1}));
  reopen();
  EXPECT_EQ(store_->outbox_depth(), 2U);
  EXPECT_TRUE(store_->run_done(acme, "pulse", week48));
  EXPECT_FALSE(store_->run_done(acme, "digest", week48));
  EXPECT_FALSE(store_->run_done(acme, "pulse", week48 + 1));
  EXPECT_FALSE(store_->run_done(other, "pulse", week48));
}

TEST_F(sqlite_store_test, outbox_claims_leases_and_dedupes) {
  outbox_message m;
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = R"({"text":"hi"})";
  m.dedupe_key = "digest:T0ACME:2026-W48";
  m.next_attempt_at = t0;
  const auto id = store_->enqueue(m, t0);
  EXPECT_EQ(store_->enqueue(m, t0), id);
  EXPECT_EQ(store_->outbox_depth(), 1U);

  EXPECT_TRUE(store_->claim_due(t0 - seconds{1}, t0 + seconds{30}, 10).empty());  // not due yet
  auto claimed = store_->claim_due(t0, t0 + seconds{30}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].payload, m.payload);
  EXPECT_TRUE(store_->claim_due(t0 + seconds{10}, t0 + seconds{40}, 10).empty());  // leased

  // The sender died: after the lease it is due again.
  reopen();
  claimed = store_->claim_due(t0 + seconds{31}, t0 + seconds{61}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].attempts, 2);
  EXPECT_TRUE(store_->reschedule(id, claimed[0].claim, t0 + minutes{5}, "HTTP 503"));
  EXPECT_EQ(store_->find_outbox(id)->last_error, "HTTP 503");
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::pending);
  claimed = store_->claim_due(t0 + minutes{5}, t0 + minutes{6}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_TRUE(store_->mark_sent(id, claimed[0].claim, t0 + minutes{5}));
  EXPECT_EQ(store_->outbox_depth(), 0U);
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::sent);

  m.dedupe_key = "other";
  const auto dead = store_->enqueue(m, t0);
  claimed = store_->claim_due(t0 + minutes{6}, t0 + minutes{7}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_TRUE(store_->mark_dead(dead, claimed[0].claim, "channel_not_found", t0));
  EXPECT_EQ(store_->find_outbox(dead)->status, outbox_status::dead);
  EXPECT_EQ(store_->outbox_depth(), 0U);
}

// A sender whose lease ran out while the message was in hand cannot record an outcome over the
// sender that claimed it since (two replicas, or one very slow call).
TEST_F(sqlite_store_test, only_the_current_claim_records_an_outcome) {
  outbox_message m;
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = "{}";
  m.next_attempt_at = t0;
  const auto id = store_->enqueue(m, t0);
  const auto first = store_->claim_due(t0, t0 + seconds{30}, 10);
  ASSERT_EQ(first.size(), 1U);
  const auto second = store_->claim_due(t0 + seconds{31}, t0 + seconds{61}, 10);  // the lease ran out
  ASSERT_EQ(second.size(), 1U);
  EXPECT_NE(first[0].claim, second[0].claim);
  EXPECT_FALSE(store_->mark_sent(id, first[0].claim, t0 + seconds{32}));
  EXPECT_FALSE(store_->mark_dead(id, first[0].claim, "late", t0 + seconds{32}));
  EXPECT_FALSE(store_->reschedule(id, first[0].claim, t0 + minutes{5}, "late"));
  EXPECT_FALSE(store_->release(id, first[0].claim, t0));
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::sending);
  EXPECT_EQ(store_->find_outbox(id)->claim, second[0].claim);
  EXPECT_EQ(store_->outbox_depth(), 1U);
  EXPECT_TRUE(store_->mark_sent(id, second[0].claim, t0 + seconds{33}));
  EXPECT_FALSE(store_->mark_sent(id, second[0].claim, t0 + seconds{34})) << "once";
  EXPECT_EQ(store_->outbox_depth(), 0U);
}

TEST_F(sqlite_store_test, events_are_recorded_once_across_restarts_and_pruned) {
  EXPECT_TRUE(store_->record_event("Ev1", t0));
  EXPECT_FALSE(store_->record_event("Ev1", t0 + seconds{60}));
  reopen();
  EXPECT_FALSE(store_->record_event("Ev1", t0 + minutes{5}));
  EXPECT_TRUE(store_->record_event("Ev2", t0 + hours{2}));
  EXPECT_EQ(store_->prune_events("", t0 + hours{1}), 1U);
  EXPECT_TRUE(store_->record_event("Ev1", t0 + hours{3}));
}

TEST_F(sqlite_store_test, events_are_pruned_by_prefix_in_batches) {
  storage::write_batch clicks;
  for (int i = 0; i < 5'000; ++i) clicks.seen_events.push_back("click:T1/U1/" + std::to_string(i));
  store_->commit(clicks, t0);
  EXPECT_TRUE(store_->record_event("Ev1", t0));
  // Click keys live ten minutes, event ids a day: pruning the one leaves the other.
  EXPECT_EQ(store_->prune_events("click:", t0 + minutes{10}), 5'000U);
  EXPECT_TRUE(store_->recent_events("click:", t0 - hours{1}).empty());
  EXPECT_FALSE(store_->record_event("Ev1", t0 + minutes{11}));
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

outbox_message pulse_update(const std::string& url, time_point at) {
  outbox_message m;
  m.method = "response_url.pulse";
  m.target = url;
  m.payload = R"({"pulse":1})";
  m.coalesce_key = "response_url.pulse:" + url;
  m.next_attempt_at = at;
  return m;
}

std::int64_t active_rows(const std::string& path) {
  foreign_connection raw(path);
  return raw.count("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");
}

// A. Readiness.
TEST_F(sqlite_store_test, ready_when_a_write_can_be_committed) {
  const auto r = store_->check_ready();
  EXPECT_TRUE(r.ready) << r.reason;
}

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
    EXPECT_EQ(e.kind(), store_failure::gone) << e.what();
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
TEST_F(sqlite_store_test, a_commit_under_a_foreign_write_lock_fails_fast_as_busy) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  foreign_connection other(dir_.file("smrel.db"));
  other.exec("BEGIN IMMEDIATE");
  const auto start = stopwatch::now();
  try {
    store_->commit(one_answer(pulse.id, "p1", t0), t0);
    ADD_FAILURE() << "committed under a foreign write lock";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::busy) << e.what();
    EXPECT_TRUE(e.about_the_database());
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

TEST_F(sqlite_store_test, a_bad_answer_is_a_constraint_failure_not_the_databases) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  auto batch = one_answer(pulse.id, "p1", t0);
  batch.answers[0].value = 9;
  try {
    store_->commit(batch, t0);
    ADD_FAILURE();
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::constraint);
    EXPECT_FALSE(e.about_the_database());
  }
  try {
    store_->commit(one_answer(pulse.id + 100, "p1", t0), t0);  // no such pulse
    ADD_FAILURE();
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::constraint) << e.what();
  }
}

// D. Outbox growth and its depth.
TEST_F(sqlite_store_test, pending_pulse_updates_to_one_url_coalesce_into_one_row) {
  std::int64_t first = 0;
  for (int i = 0; i < 100; ++i) {
    const auto id = store_->enqueue(pulse_update("https://hooks.slack.com/a/1", t0 + milliseconds{i}), t0);
    if (i == 0) first = id;
    EXPECT_EQ(id, first);
  }
  write_batch batch;  // in one group commit as well
  for (int i = 0; i < 100; ++i) batch.outbox.push_back(pulse_update("https://hooks.slack.com/a/1", t0));
  batch.outbox.push_back(pulse_update("https://hooks.slack.com/a/2", t0));
  store_->commit(batch, t0);
  EXPECT_EQ(active_rows(dir_.file("smrel.db")), 2);
  EXPECT_EQ(store_->outbox_depth(), 2U);

  // Once claimed it may already be rendered: the next update needs its own row.
  ASSERT_EQ(store_->claim_due(t0 + seconds{1}, t0 + seconds{31}, 10).size(), 2U);
  const auto next = store_->enqueue(pulse_update("https://hooks.slack.com/a/1", t0), t0);
  EXPECT_NE(next, first);
  EXPECT_EQ(store_->enqueue(pulse_update("https://hooks.slack.com/a/1", t0), t0), next);
  EXPECT_EQ(store_->outbox_depth(), 3U);
  EXPECT_EQ(active_rows(dir_.file("smrel.db")), 3);

  // Without a coalesce key (today's default) every message is its own row.
  auto plain = pulse_update("https://hooks.slack.com/a/1", t0);
  plain.coalesce_key.clear();
  EXPECT_NE(store_->enqueue(plain, t0), store_->enqueue(plain, t0));
}

TEST_F(sqlite_store_test, prune_outbox_deletes_only_old_finished_rows_without_a_dedupe_key) {
  outbox_message m;
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = "{}";
  m.next_attempt_at = t0;
  const auto old_sent = store_->enqueue(m, t0);
  const auto old_dead = store_->enqueue(m, t0);
  const auto new_sent = store_->enqueue(m, t0);
  m.next_attempt_at = t0 + hours{1};  // not claimed below
  const auto pending = store_->enqueue(m, t0);
  m.next_attempt_at = t0;
  m.dedupe_key = "digest:T0ACME:C1:2026-W48";
  const auto keyed = store_->enqueue(m, t0);
  std::map<std::int64_t, std::int64_t> claim_of;
  for (const auto& c : store_->claim_due(t0, t0 + seconds{30}, 10)) claim_of[c.id] = c.claim;
  ASSERT_EQ(claim_of.size(), 4U);
  store_->mark_sent(old_sent, claim_of[old_sent], t0);
  store_->mark_sent(keyed, claim_of[keyed], t0);
  store_->mark_dead(old_dead, claim_of[old_dead], "gone", t0);
  store_->mark_sent(new_sent, claim_of[new_sent], t0 + days{2});
  EXPECT_EQ(store_->outbox_depth(), 1U);

  EXPECT_EQ(store_->prune_outbox(t0 + days{1}, t0 - hours{1}), 1U);  // the dead row is not old enough
  EXPECT_FALSE(store_->find_outbox(old_sent));
  EXPECT_TRUE(store_->find_outbox(old_dead));
  EXPECT_EQ(store_->prune_outbox(t0 + days{1}, t0 + hours{1}), 1U);
  EXPECT_FALSE(store_->find_outbox(old_dead));
  EXPECT_TRUE(store_->find_outbox(new_sent));
  EXPECT_TRUE(store_->find_outbox(pending));
  EXPECT_TRUE(store_->find_outbox(keyed));               // its key still guards against a second digest
  EXPECT_EQ(store_->enqueue(m, t0 + days{3}), keyed);
  EXPECT_EQ(store_->outbox_depth(), 1U);
  EXPECT_EQ(active_rows(dir_.file("smrel.db")), 1);
}

TEST_F(sqlite_store_test, outbox_depth_stays_exact_across_every_transition_and_a_reopen) {
  const auto path = dir_.file("smrel.db");
  const auto expect_exact = [&](const char* step) {
    EXPECT_EQ(static_cast<std::int64_t>(store_->outbox_depth()), active_rows(path)) << step;
  };
  outbox_message m;
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = "{}";
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
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = "{}";
  m.dedupe_key = "k";
  store_->enqueue(m, t0);
  foreign_connection other(dir_.file("smrel.db"));  // a row behind the store's back is not counted
  other.exec("INSERT INTO outbox (platform, method, target, payload, dedupe_key, status, next_attempt_at, created_at, "
             "updated_at) VALUES ('slack', 'x', 'C', '{}', 'foreign', 'pending', 0, 0, 0)");
  EXPECT_EQ(store_->outbox_depth(), 1U);
}

// E. Files readable by the owner only.
TEST(sqlite_files, database_wal_and_shm_are_created_owner_only) {
  testing::temp_dir dir;
  const auto old_mask = ::umask(022);
  {
    const auto store = open_store("sqlite:" + dir.file("smrel.db"));
    store->migrate();
    store->commit(write_batch{{}, {}, {pulse_update("https://hooks.slack.com/a/1", t0)}, {}}, t0);
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

// F. A message that crashes its sender keeps the attempts it used.
TEST_F(sqlite_store_test, release_all_claims_keeps_the_attempt_counted_at_claim) {
  outbox_message m;
  m.method = "chat.postMessage";
  m.target = "C1";
  m.payload = "{}";
  m.dedupe_key = "k";
  m.next_attempt_at = t0;
  const auto id = store_->enqueue(m, t0);
  ASSERT_EQ(store_->claim_due(t0, t0 + seconds{30}, 10).size(), 1U);
  reopen();  // the process crashed while sending
  EXPECT_EQ(store_->release_all_claims(t0 + seconds{1}), 1U);
  EXPECT_EQ(store_->find_outbox(id)->attempts, 1);
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::pending);
  const auto again = store_->claim_due(t0 + seconds{1}, t0 + seconds{31}, 10);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].attempts, 2);
}

// G. Replay guard: keys seen by a batch are stored with it.
TEST_F(sqlite_store_test, seen_events_commit_with_the_batch_and_reload_by_prefix_and_time) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  auto batch = one_answer(pulse.id, "p1", t0);
  batch.seen_events = {"click:a", "click:b"};
  store_->commit(batch, t0);
  batch.seen_events = {"click:b", "click:c"};  // a repeat is harmless
  store_->commit(batch, t0 + minutes{3});
  EXPECT_TRUE(store_->record_event("Ev1", t0 + minutes{4}));
  EXPECT_FALSE(store_->record_event("click:a", t0 + minutes{4}));

  auto bad = one_answer(pulse.id + 100, "p1", t0);  // fails: its keys are not kept either
  bad.seen_events = {"click:lost"};
  EXPECT_THROW(store_->commit(bad, t0 + minutes{4}), store_error);

  reopen();
  EXPECT_EQ(store_->recent_events("click:", t0), (std::vector<std::string>{"click:a", "click:b", "click:c"}));
  EXPECT_EQ(store_->recent_events("click:", t0 + minutes{1}), (std::vector<std::string>{"click:c"}));
  EXPECT_EQ(store_->recent_events("", t0 + minutes{1}), (std::vector<std::string>{"click:c", "Ev1"}));
  EXPECT_TRUE(store_->recent_events("click:", t0 + minutes{5}).empty());
  EXPECT_TRUE(store_->recent_events("click%", t0).empty());  // the prefix is literal
}

TEST(open_store, refuses_unknown_urls_with_a_clear_message) {
  EXPECT_THROW(open_store("mysql://x"), store_error);
  EXPECT_THROW(open_store("sqlite:"), store_error);
  EXPECT_THROW(open_store("sqlite:/nonexistent-dir/x/y.db"), store_error);
}

}  // namespace
}  // namespace smrel::storage
