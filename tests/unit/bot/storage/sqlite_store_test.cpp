#include "bot/storage/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <sqlite3.h>

#include "bot/storage/sqlite_schema.hpp"
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
  bad.outbox.push_back({0, platform::slack, "chat.postMessage", "C1", "{}", "bad-batch", outbox_status::pending, 0, t0, ""});
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

TEST(sqlite_migration, version_4_keeps_one_of_each_nudge_issued_twice_in_a_week) {
  // A database as version 3 left it, where `/smrel digest here` twice recorded a nudge twice.
  testing::temp_dir dir;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("smrel.db").c_str(), &raw), SQLITE_OK);
  const auto exec = [&](std::string_view sql) { ASSERT_EQ(sqlite3_exec(raw, std::string(sql).c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql; };
  exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  for (int v = 1; v <= 3; ++v) {
    exec(sqlite::migrations()[static_cast<std::size_t>(v - 1)]);
    exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)");
  }
  for (const auto* why : {"first", "second"}) {
    exec(std::string("INSERT INTO nudges (platform, workspace, nudge_id, week, why, issued_at) VALUES "
                     "('slack', 'T0ACME', 'lead_sla', '2026-W48', '") + why + "', 0)");
  }
  sqlite3_close(raw);

  const auto store = open_store("sqlite:" + dir.file("smrel.db"));
  EXPECT_EQ(store->migrate(), store->latest_schema_version() - 3);
  const auto kept = store->nudges_since(acme, week48);
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].why, "first");
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
  store_->mark_run_done(acme, "pulse", week48, t0);
  store_->mark_run_done(acme, "pulse", week48, t0 + hours{1});  // a repeat is harmless
  reopen();
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
  store_->reschedule(id, t0 + minutes{5}, "HTTP 503");
  EXPECT_EQ(store_->find_outbox(id)->last_error, "HTTP 503");
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::pending);
  claimed = store_->claim_due(t0 + minutes{5}, t0 + minutes{6}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  store_->mark_sent(id, t0 + minutes{5});
  EXPECT_EQ(store_->outbox_depth(), 0U);
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::sent);

  m.dedupe_key = "other";
  const auto dead = store_->enqueue(m, t0);
  store_->mark_dead(dead, "channel_not_found", t0);
  EXPECT_EQ(store_->find_outbox(dead)->status, outbox_status::dead);
  EXPECT_EQ(store_->outbox_depth(), 0U);
}

TEST_F(sqlite_store_test, events_are_recorded_once_across_restarts_and_pruned) {
  EXPECT_TRUE(store_->record_event("Ev1", t0));
  EXPECT_FALSE(store_->record_event("Ev1", t0 + seconds{60}));
  reopen();
  EXPECT_FALSE(store_->record_event("Ev1", t0 + minutes{5}));
  EXPECT_TRUE(store_->record_event("Ev2", t0 + hours{2}));
  EXPECT_EQ(store_->prune_events(t0 + hours{1}), 1U);
  EXPECT_TRUE(store_->record_event("Ev1", t0 + hours{3}));
}

TEST(open_store, refuses_unknown_urls_with_a_clear_message) {
  EXPECT_THROW(open_store("mysql://x"), store_error);
  EXPECT_THROW(open_store("sqlite:"), store_error);
  EXPECT_THROW(open_store("sqlite:/nonexistent-dir/x/y.db"), store_error);
}

}  // namespace
}  // namespace smrel::storage
