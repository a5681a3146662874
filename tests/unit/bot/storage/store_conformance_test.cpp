// What every store backend must do, run against each of them: the interface's contract, with no
// SQL and no file in sight. Backend-specific behaviour (files, locks, migrations from older
// schemas) is tested beside each backend (sqlite_store_test.cpp).
//
// Adding a backend: a `database` that opens stores on one fresh database, and one
// INSTANTIATE_TEST_SUITE_P line at the end of this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bot/storage/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::storage {
namespace {

using namespace std::chrono;
using domain::conversation_ref;
using domain::member_key;
using domain::message_ref;
using domain::platform;
using domain::workspace_ref;

const workspace_ref acme{platform::slack, "T0ACME"};
const workspace_ref other_workspace{platform::slack, "T0OTHER"};
const workspace_ref acme_on_teams{platform::teams, "teams:acme-tenant"};
const time_point t0 = sys_days{2026y / November / 23} + hours{10};
const scoring::iso_week week48 = *scoring::iso_week::parse("2026-W48");

// One fresh database for one test. open() may be called any number of times: each store it
// returns is another process on the same database (a restart, a second replica).
class database {
 public:
  virtual ~database() = default;
  virtual std::unique_ptr<store> open() = 0;
};

struct backend {
  std::string name;
  std::function<std::unique_ptr<database>()> make;
  bool single_process = false;  // what store::single_process() must say
};

// Test names and failure messages show the backend's name, not its bytes.
void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

class sqlite_database final : public database {
 public:
  std::unique_ptr<store> open() override { return open_store("sqlite:" + dir_.file("smrel.db")); }

 private:
  testing::temp_dir dir_;
};

backend sqlite_backend() {
  return {.name = "sqlite", .make = [] { return std::make_unique<sqlite_database>(); }, .single_process = true};
}

class store_conformance : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    db_ = GetParam().make();
    store_ = db_->open();
    ASSERT_EQ(store_->migrate(), store_->latest_schema_version());
  }
  void reopen() {
    store_.reset();
    store_ = db_->open();
  }
  /// Another process on the same database.
  std::unique_ptr<store> second() { return db_->open(); }

  std::unique_ptr<database> db_;
  std::unique_ptr<store> store_;
};

outbox_message message(std::string address, time_point due, std::string dedupe_key = "") {
  outbox_message m;
  m.kind = outbox_kind::post;
  m.address = std::move(address);
  m.content = R"({"text":"hi"})";
  m.dedupe_key = std::move(dedupe_key);
  m.next_attempt_at = due;
  return m;
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

write_batch one_answer(std::int64_t pulse_id, const std::string& pseudonym, time_point at) {
  write_batch batch;
  batch.answers.push_back({acme, pulse_id, pseudonym, week48, 0, 3, at});
  return batch;
}

// Schema and health.

TEST_P(store_conformance, migrates_once_and_answers_a_ping) {
  EXPECT_EQ(store_->schema_version(), store_->latest_schema_version());
  EXPECT_EQ(store_->migrate(), 0);
  reopen();
  EXPECT_EQ(store_->schema_version(), store_->latest_schema_version());
  EXPECT_EQ(store_->migrate(), 0);
  EXPECT_TRUE(store_->ping());
}

TEST_P(store_conformance, ready_when_a_write_can_be_committed) {
  const auto r = store_->check_ready();
  EXPECT_TRUE(r.ready) << r.reason;
  EXPECT_TRUE(r.reason.empty());
}

TEST_P(store_conformance, says_whether_one_process_alone_uses_the_database) {
  EXPECT_EQ(store_->single_process(), GetParam().single_process);
}

// Members.

TEST_P(store_conformance, members_round_trip_and_upsert_keeps_the_first) {
  const member_key ann{acme, "U1"};
  const auto created = store_->upsert_member(ann, scoring::locale::nl, t0);
  EXPECT_EQ(created.key, ann);
  EXPECT_EQ(created.group, scoring::group::other);
  EXPECT_EQ(created.locale, scoring::locale::nl);
  EXPECT_FALSE(created.opted_out);
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
  EXPECT_FALSE(store_->find_member(created.id + 1000));
  EXPECT_FALSE(store_->find_member(member_key{acme, "U2"}));
  EXPECT_FALSE(store_->find_member(member_key{{platform::teams, "T0ACME"}, "U1"}));  // platforms are apart
  EXPECT_EQ(store_->members(acme).size(), 1U);
  EXPECT_TRUE(store_->members(other_workspace).empty());
  EXPECT_EQ(store_->workspaces(), std::vector<workspace_ref>{acme});
  EXPECT_THROW(store_->set_group(member_key{acme, "nobody"}, "p", scoring::group::sales), store_error);
}

TEST_P(store_conformance, workspaces_include_installed_ones) {
  store_->upsert_member({acme, "U1"}, scoring::locale::en, t0);
  store_->set_admins(acme_on_teams, {"entra-object-id"}, t0);
  auto all = store_->workspaces();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return std::tie(a.on, a.id) < std::tie(b.on, b.id); });
  EXPECT_EQ(all, (std::vector<workspace_ref>{acme, acme_on_teams}));
}

// People's version: every change to who is asked and how their answers count, and nothing else.

TEST_P(store_conformance, people_version_grows_with_each_change_to_people_and_only_then) {
  const member_key ann{acme, "U1"};
  EXPECT_EQ(store_->people_version(acme), 0);
  auto last = store_->people_version(acme);
  const auto expect_grown = [&](const char* step) {
    const auto now = store_->people_version(acme);
    EXPECT_GT(now, last) << step;
    last = now;
  };
  const auto expect_same = [&](const char* step) { EXPECT_EQ(store_->people_version(acme), last) << step; };

  store_->upsert_member(ann, scoring::locale::en, t0);
  expect_grown("a member created");
  store_->upsert_member(ann, scoring::locale::nl, t0);
  expect_same("an existing member upserted");
  store_->set_group(ann, "p-ann", scoring::group::sales);
  expect_grown("a group set");
  store_->set_locale(ann, scoring::locale::nl);
  expect_grown("a language set");
  store_->set_opted_out(ann, true);
  expect_grown("an opt-out");
  store_->set_opted_out(ann, false);
  expect_grown("an opt-in");

  // Writes that change nobody's membership.
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const auto m = store_->find_member(ann);
  ASSERT_TRUE(m);
  const auto d = store_->record_delivery(pulse.id, m->id, scoring::pulse_block{0, 1, 2, 3}, t0);
  store_->set_delivery_message(d.id, {{platform::slack, "D1"}, "1.2"});
  store_->commit(one_answer(pulse.id, "p-ann", t0), t0);
  store_->remember_direct_conversation(ann, {platform::slack, "D1"});
  store_->set_admins(acme, {"U1"}, t0);
  store_->set_digest_target(acme, {platform::slack, "C1"}, t0);
  store_->enqueue(message("C1", t0), t0);
  store_->record_event("Ev1", t0);
  store_->set_locale({acme, "nobody"}, scoring::locale::nl);
  store_->set_opted_out({acme, "nobody"}, true);
  store_->upsert_member({other_workspace, "U1"}, scoring::locale::en, t0);  // another workspace's change
  expect_same("unrelated writes");
  EXPECT_GT(store_->people_version(other_workspace), 0);

  store_->forget(ann, "p-ann");
  expect_grown("an erasure");
  reopen();
  expect_same("a reopen");
}

// A cache in another replica compares people_version and then reads the member: both must show
// a change the moment it was committed elsewhere.
TEST_P(store_conformance, a_second_store_on_the_same_database_sees_an_opt_out_and_an_erasure_at_once) {
  const member_key ann{acme, "U1"};
  store_->upsert_member(ann, scoring::locale::en, t0);
  const auto replica = second();
  const auto seen = replica->people_version(acme);
  ASSERT_TRUE(replica->find_member(ann));
  EXPECT_FALSE(replica->find_member(ann)->opted_out);

  store_->set_opted_out(ann, true);
  EXPECT_GT(replica->people_version(acme), seen);
  ASSERT_TRUE(replica->find_member(ann));
  EXPECT_TRUE(replica->find_member(ann)->opted_out);

  const auto before_erasure = replica->people_version(acme);
  store_->forget(ann, "p-ann");
  EXPECT_GT(replica->people_version(acme), before_erasure);
  EXPECT_FALSE(replica->find_member(ann));
}

TEST_P(store_conformance, a_batch_decided_before_an_opt_out_elsewhere_is_refused_whole) {
  const member_key ann{acme, "U1"};
  store_->upsert_member(ann, scoring::locale::en, t0);
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const auto replica = second();
  write_batch decided;  // on what this process knew: ann takes part
  decided.answers.push_back({acme, pulse.id, "p-ann", week48, 0, 4, t0});
  decided.seen_events.push_back("click:ann-1");
  decided.people_unchanged.push_back({acme, store_->people_version(acme)});

  replica->set_opted_out(ann, true);  // meanwhile, in another process
  EXPECT_THROW(store_->commit(decided, t0), stale_decision);
  EXPECT_EQ(store_->answer_count(), 0U);
  EXPECT_TRUE(store_->recent_events("click:", t0 - hours{1}).empty());

  decided.people_unchanged = {{acme, store_->people_version(acme)}};  // decided again, on fresh facts
  store_->commit(decided, t0);
  EXPECT_EQ(store_->answer_count(), 1U);
  // Another workspace's people changing does not touch this workspace's batches.
  store_->upsert_member({other_workspace, "U9"}, scoring::locale::en, t0);
  decided.answers[0].value = 5;
  store_->commit(decided, t0);
  EXPECT_EQ(store_->answers(acme, week48, week48).front().value, 5);
}

// Pulses and deliveries.

TEST_P(store_conformance, pulses_and_deliveries_are_idempotent_and_remember_the_message_sent) {
  const auto p1 = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const auto p2 = store_->open_pulse(acme, week48, t0 + hours{1}, t0 + days{8});
  EXPECT_EQ(p1.id, p2.id);
  EXPECT_EQ(p2.opened_at, time_point_cast<milliseconds>(t0));
  EXPECT_EQ(p2.closes_at, time_point_cast<milliseconds>(t0 + days{7}));
  EXPECT_EQ(store_->find_pulse(p1.id)->week, week48);
  EXPECT_EQ(store_->find_pulse(acme, week48)->id, p1.id);
  EXPECT_FALSE(store_->find_pulse(acme, week48 + 1));
  EXPECT_FALSE(store_->find_pulse(p1.id + 1000));

  const auto m = store_->upsert_member({acme, "U1"}, scoring::locale::en, t0);
  const scoring::pulse_block items{0, 5, 12, 19};
  const auto d1 = store_->record_delivery(p1.id, m.id, items, t0);
  EXPECT_TRUE(d1.sent.empty());
  EXPECT_EQ(d1.instrument, scoring::instrument_version);
  const auto d2 = store_->record_delivery(p1.id, m.id, scoring::pulse_block{1, 2, 3, 4}, t0);
  EXPECT_EQ(d1.id, d2.id);
  EXPECT_EQ(d2.items, items);
  const message_ref sent{{platform::slack, "D123"}, "1700000000.000100"};
  store_->set_delivery_message(d1.id, sent);
  reopen();
  const auto found = store_->find_delivery(p1.id, m.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sent, sent);
  EXPECT_EQ(found->delivered_at, time_point_cast<milliseconds>(t0));
  EXPECT_FALSE(store_->find_delivery(p1.id, m.id + 1000));
  EXPECT_EQ(store_->pulse_response(p1.id).asked, 1);
  EXPECT_EQ(store_->pulse_response(p1.id).answered, 0);
}

TEST_P(store_conformance, a_delivery_message_is_on_the_pulses_platform) {
  const auto pulse = store_->open_pulse(acme_on_teams, week48, t0, t0 + days{7});
  const auto m = store_->upsert_member({acme_on_teams, "aad-1"}, scoring::locale::en, t0);
  const auto d = store_->record_delivery(pulse.id, m.id, scoring::pulse_block{0, 1, 2, 3}, t0);
  const message_ref sent{{platform::teams, R"({"service":"https://smba.example/","conversation":"a:1"})"}, "act-1"};
  store_->set_delivery_message(d.id, sent);
  EXPECT_EQ(store_->find_delivery(pulse.id, m.id)->sent, sent);
}

// Answers.

TEST_P(store_conformance, answers_replace_within_a_pulse_and_read_back_with_groups) {
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
  EXPECT_EQ(all[2].answered_at, time_point_cast<milliseconds>(t0 + minutes{5}));
  EXPECT_EQ(store_->answers_by("p-ann", pulse.id).size(), 2U);
  EXPECT_EQ(store_->pulse_response(pulse.id).answered, 2);
  EXPECT_TRUE(store_->answers(acme, week48 + 1, week48 + 2).empty());
  EXPECT_TRUE(store_->answers(other_workspace, week48, week48).empty());
  EXPECT_EQ(store_->first_answer_week(acme), week48);
  EXPECT_FALSE(store_->first_answer_week(other_workspace));
}

TEST_P(store_conformance, a_bad_answer_rolls_back_the_whole_batch_as_a_conflict) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const std::vector<new_answer> batch{{acme, pulse.id, "p1", week48, 0, 3, t0}, {acme, pulse.id, "p2", week48, 0, 9, t0}};
  try {
    store_->store_answers(batch);
    ADD_FAILURE() << "stored a value of 9";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::conflict) << e.what();
    EXPECT_FALSE(e.about_the_database());
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_EQ(store_->answer_count(), 0U);
  try {
    store_->commit(one_answer(pulse.id + 100, "p1", t0), t0);  // no such pulse
    ADD_FAILURE() << "stored an answer to no pulse";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_failure::conflict) << e.what();
  }
  EXPECT_EQ(store_->answer_count(), 0U);
}

TEST_P(store_conformance, forget_erases_member_deliveries_answers_and_direct_conversation) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const member_key ann{acme, "U1"};
  const auto m = store_->upsert_member(ann, scoring::locale::en, t0);
  store_->set_group(ann, "p-ann", scoring::group::sales);
  store_->record_delivery(pulse.id, m.id, scoring::pulse_block{0, 1, 2, 3}, t0);
  store_->store_answers(std::vector<new_answer>{{acme, pulse.id, "p-ann", week48, 0, 3, t0},
                                                {acme, pulse.id, "p-bob", week48, 0, 4, t0}});
  store_->remember_direct_conversation(ann, {platform::slack, "D0ANN"});
  store_->forget(ann, "p-ann");
  EXPECT_FALSE(store_->find_member(ann));
  EXPECT_FALSE(store_->find_direct_conversation(ann));
  EXPECT_FALSE(store_->find_delivery(pulse.id, m.id));
  EXPECT_TRUE(store_->answers_by("p-ann", pulse.id).empty());
  const auto left = store_->answers(acme, week48, week48);
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0].pseudonym, "p-bob");
}

// Nudges and follow-ups.

TEST_P(store_conformance, nudges_round_trip_once_a_week) {
  const auto first = store_->record_nudge({0, acme, "lead_sla", week48, "why", t0, week48 + 4});
  store_->record_nudge({0, acme, "win_loss_fields", week48 - 3, "old", t0, std::nullopt});
  const auto recent = store_->nudges_since(acme, week48 - 1);
  ASSERT_EQ(recent.size(), 1U);
  EXPECT_EQ(recent[0].id, first);
  EXPECT_EQ(recent[0].workspace, acme);
  EXPECT_EQ(recent[0].nudge_id, "lead_sla");
  EXPECT_EQ(recent[0].why, "why");
  EXPECT_EQ(recent[0].follow_up_week, week48 + 4);
  EXPECT_EQ(store_->nudges_since(acme, week48 - 5).size(), 2U);
  EXPECT_FALSE(store_->nudges_since(acme, week48 - 5)[0].follow_up_week);

  const auto again = store_->record_nudge({0, acme, "lead_sla", week48, "why again", t0 + hours{1}, week48 + 4});
  EXPECT_EQ(again, first);
  EXPECT_EQ(store_->nudges_since(acme, week48).size(), 1U);
  EXPECT_EQ(store_->nudges_since(acme, week48)[0].why, "why");
  EXPECT_NE(store_->record_nudge({0, acme, "lead_sla", week48 + 1, "next week", t0, std::nullopt}), first);
}

TEST_P(store_conformance, follow_up_answers_replace_per_respondent_commit_atomically_and_are_forgotten) {
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
  bad.outbox.push_back(message("C1", t0, "bad-batch"));
  EXPECT_THROW(store_->commit(bad, t0), store_error);
  EXPECT_EQ(store_->outbox_depth(), 0U);
  EXPECT_EQ(store_->enqueue(message("C1", t0, "bad-batch"), t0), store_->enqueue(message("C1", t0, "bad-batch"), t0));

  store_->forget({acme, "U1"}, "p-ann");
  EXPECT_EQ(store_->follow_up_values(nudge), (std::vector<std::uint8_t>{5}));
}

// Releases.

TEST_P(store_conformance, the_first_release_of_a_week_wins_and_people_tokens_are_pruned) {
  EXPECT_FALSE(store_->latest_release(acme));
  EXPECT_TRUE(store_->save_release({acme, week48 - 1, t0, "figures-47", "people-47"}));
  EXPECT_TRUE(store_->save_release({acme, week48, t0 + days{7}, "figures-48", "people-48"}));
  EXPECT_FALSE(store_->save_release({acme, week48, t0 + days{8}, "changed", "changed"}));
  EXPECT_TRUE(store_->save_release({other_workspace, week48 + 1, t0, "other", "other"}));
  EXPECT_EQ(store_->latest_release(acme), week48);

  const auto both = store_->releases(acme, week48 - 5, week48 + 5);
  ASSERT_EQ(both.size(), 2U);
  EXPECT_EQ(both[0].week, week48 - 1);
  EXPECT_EQ(both[1].workspace, acme);
  EXPECT_EQ(both[1].figures, "figures-48");
  EXPECT_EQ(both[1].people, "people-48");
  EXPECT_EQ(both[1].released_at, time_point_cast<milliseconds>(t0 + days{7}));

  store_->prune_release_people(acme, week48);
  const auto pruned = store_->releases(acme, week48 - 1, week48);
  ASSERT_EQ(pruned.size(), 2U);
  EXPECT_EQ(pruned[0].people, "");
  EXPECT_EQ(pruned[0].figures, "figures-47");
  EXPECT_EQ(pruned[1].people, "people-48");
  EXPECT_EQ(store_->releases(other_workspace, week48, week48 + 1)[0].people, "other");
}

// Direct conversations.

TEST_P(store_conformance, direct_conversations_are_remembered_per_person_across_restarts) {
  const member_key ann{acme, "U1"};
  const member_key ann_elsewhere{other_workspace, "U1"};
  const member_key ann_on_teams{acme_on_teams, "U1"};
  EXPECT_FALSE(store_->find_direct_conversation(ann));
  store_->remember_direct_conversation(ann, {platform::slack, "D0OLD"});
  store_->remember_direct_conversation(ann, {platform::slack, "D0ANN"});  // reopened: the newer one wins
  const conversation_ref teams_chat{platform::teams, R"({"service":"https://smba.example/","conversation":"a:1"})"};
  store_->remember_direct_conversation(ann_on_teams, teams_chat);
  reopen();
  EXPECT_EQ(store_->find_direct_conversation(ann), (conversation_ref{platform::slack, "D0ANN"}));
  EXPECT_EQ(store_->find_direct_conversation(ann_on_teams), teams_chat);
  EXPECT_FALSE(store_->find_direct_conversation(ann_elsewhere));
  store_->forget_direct_conversation(ann);
  EXPECT_FALSE(store_->find_direct_conversation(ann));
  EXPECT_TRUE(store_->find_direct_conversation(ann_on_teams));
}

// Installations.

TEST_P(store_conformance, an_installation_is_created_by_its_first_setting_and_keeps_both) {
  EXPECT_FALSE(store_->find_installation(acme));
  store_->set_digest_target(acme, {platform::slack, "C0LEADERS"}, t0);
  auto found = store_->find_installation(acme);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->workspace, acme);
  EXPECT_EQ(found->digest_target, (conversation_ref{platform::slack, "C0LEADERS"}));
  EXPECT_TRUE(found->admins.empty());
  EXPECT_EQ(found->updated_at, time_point_cast<milliseconds>(t0));

  store_->set_admins(acme, {"U012ABC", "U034DEF"}, t0 + hours{1});
  reopen();
  found = store_->find_installation(acme);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->digest_target.address, "C0LEADERS");
  EXPECT_EQ(found->admins, (std::vector<std::string>{"U012ABC", "U034DEF"}));
  EXPECT_EQ(found->updated_at, time_point_cast<milliseconds>(t0 + hours{1}));

  store_->set_digest_target(acme, {}, t0 + hours{2});  // an empty target clears it
  found = store_->find_installation(acme);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->digest_target.empty());
  EXPECT_EQ(found->admins.size(), 2U);
  store_->set_admins(acme, {}, t0 + hours{3});
  EXPECT_TRUE(store_->find_installation(acme)->admins.empty());
  EXPECT_FALSE(store_->find_installation(other_workspace));
  EXPECT_FALSE(store_->find_installation({platform::teams, acme.id}));
}

TEST_P(store_conformance, admins_round_trip_whatever_their_ids_hold) {
  const std::vector<std::string> admins{"",
                                        "a,b",
                                        R"(quote " and \ backslash)",
                                        "[\"not\", \"json\"]",
                                        "tab\tnew\nline\x01",
                                        "Zoë 日本",
                                        "12345",
                                        "U1",
                                        "U1"};
  store_->set_admins(acme_on_teams, admins, t0);
  const auto found = store_->find_installation(acme_on_teams);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->admins, admins);
  EXPECT_EQ(found->digest_target, (conversation_ref{platform::teams, ""}));
}

// Scheduled runs.

TEST_P(store_conformance, scheduled_runs_are_done_once_per_workspace_kind_and_week) {
  EXPECT_FALSE(store_->run_done(acme, "pulse", week48));
  write_batch batch;
  batch.outbox = {message("C1", t0), message("C2", t0)};
  EXPECT_TRUE(store_->commit_run(batch, acme, "pulse", week48, t0));
  EXPECT_EQ(store_->outbox_depth(), 2U);
  // A second process found the same week due: it queues nothing.
  const auto replica = second();
  EXPECT_FALSE(replica->commit_run(batch, acme, "pulse", week48, t0 + hours{1}));
  EXPECT_FALSE(store_->commit_run(batch, acme, "pulse", week48, t0 + hours{1}));
  reopen();
  EXPECT_EQ(store_->outbox_depth(), 2U);
  EXPECT_TRUE(store_->run_done(acme, "pulse", week48));
  EXPECT_FALSE(store_->run_done(acme, "digest", week48));
  EXPECT_FALSE(store_->run_done(acme, "pulse", week48 + 1));
  EXPECT_FALSE(store_->run_done(other_workspace, "pulse", week48));
}

TEST_P(store_conformance, a_run_is_claimed_by_one_owner_until_its_lease_runs_out) {
  const auto replica = second();
  EXPECT_TRUE(store_->try_claim_run(acme, "pulse", week48, "server-a", t0, t0 + minutes{5}));
  EXPECT_FALSE(store_->run_done(acme, "pulse", week48)) << "a claim is not done";
  EXPECT_FALSE(replica->try_claim_run(acme, "pulse", week48, "server-b", t0 + minutes{1}, t0 + minutes{6}));
  EXPECT_TRUE(store_->try_claim_run(acme, "pulse", week48, "server-a", t0 + minutes{2}, t0 + minutes{7}))
      << "the owner renews its claim";
  EXPECT_FALSE(replica->try_claim_run(acme, "pulse", week48, "server-b", t0 + minutes{6}, t0 + minutes{11}))
      << "the renewed lease holds past the first one";
  // Other runs are claimed apart.
  EXPECT_TRUE(replica->try_claim_run(acme, "digest", week48, "server-b", t0, t0 + minutes{5}));
  EXPECT_TRUE(replica->try_claim_run(acme, "pulse", week48 + 1, "server-b", t0, t0 + minutes{5}));
  EXPECT_TRUE(replica->try_claim_run(other_workspace, "pulse", week48, "server-b", t0, t0 + minutes{5}));

  // server-a died: once its lease ran out, server-b takes the run over, and server-a cannot take
  // it back while server-b's lease holds.
  EXPECT_TRUE(replica->try_claim_run(acme, "pulse", week48, "server-b", t0 + minutes{7}, t0 + minutes{12}));
  EXPECT_FALSE(store_->try_claim_run(acme, "pulse", week48, "server-a", t0 + minutes{8}, t0 + minutes{13}));

  EXPECT_TRUE(replica->commit_run(write_batch{}, acme, "pulse", week48, t0 + minutes{8}));
  EXPECT_TRUE(store_->run_done(acme, "pulse", week48));
  EXPECT_FALSE(replica->try_claim_run(acme, "pulse", week48, "server-b", t0 + minutes{9}, t0 + minutes{14}))
      << "a done run is never claimed again";
  EXPECT_FALSE(store_->try_claim_run(acme, "pulse", week48, "server-a", t0 + hours{1}, t0 + hours{2}));
  EXPECT_FALSE(replica->commit_run(write_batch{}, acme, "pulse", week48, t0 + minutes{9}));
}

TEST_P(store_conformance, of_two_processes_claiming_the_same_runs_at_once_exactly_one_wins_each) {
  constexpr int runs = 40;
  const auto replica = second();
  std::vector<char> won_by_a(runs, 0);
  std::vector<char> won_by_b(runs, 0);
  const auto claim_all = [&](store& s, const std::string& owner, std::vector<char>& won) {
    try {
      for (int i = 0; i < runs; ++i) won[i] = s.try_claim_run(acme, "pulse", week48 + i, owner, t0, t0 + minutes{5});
    } catch (const store_error& e) {
      ADD_FAILURE() << owner << ": " << e.what();
    }
  };
  std::thread a([&] { claim_all(*store_, "server-a", won_by_a); });
  std::thread b([&] { claim_all(*replica, "server-b", won_by_b); });
  a.join();
  b.join();
  for (int i = 0; i < runs; ++i) EXPECT_EQ(won_by_a[i] + won_by_b[i], 1) << "run " << i;
}

// Outbox.

TEST_P(store_conformance, outbox_rows_keep_their_kind_address_and_content) {
  const std::vector<outbox_kind> kinds{outbox_kind::reply,        outbox_kind::replace, outbox_kind::post,
                                       outbox_kind::pulse_dm,     outbox_kind::pulse_update, outbox_kind::home,
                                       outbox_kind::verbatim};
  std::map<std::int64_t, outbox_message> sent;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    outbox_message m;
    m.on = i % 2 == 0 ? platform::slack : platform::teams;
    m.kind = kinds[i];
    m.address = "address-" + std::string(outbox_kind_id(kinds[i])) + " \"quoted\" \n";
    m.content = R"({"blocks":[],"n":)" + std::to_string(i) + "}";
    m.next_attempt_at = t0 + seconds{static_cast<int>(i)};
    sent[store_->enqueue(m, t0)] = m;
  }
  reopen();
  for (const auto& [id, m] : sent) {
    const auto found = store_->find_outbox(id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, id);
    EXPECT_EQ(found->on, m.on);
    EXPECT_EQ(found->kind, m.kind) << outbox_kind_id(m.kind);
    EXPECT_EQ(found->address, m.address);
    EXPECT_EQ(found->content, m.content);
    EXPECT_EQ(found->status, outbox_status::pending);
    EXPECT_EQ(found->attempts, 0);
    EXPECT_EQ(found->next_attempt_at, time_point_cast<milliseconds>(m.next_attempt_at));
  }
  const auto claimed = store_->claim_due(t0 + minutes{1}, t0 + minutes{2}, 100);
  ASSERT_EQ(claimed.size(), kinds.size());
  std::set<outbox_kind> claimed_kinds;
  for (const auto& c : claimed) {
    claimed_kinds.insert(c.kind);
    EXPECT_EQ(c.content, sent[c.id].content);
    EXPECT_EQ(c.address, sent[c.id].address);
  }
  EXPECT_EQ(claimed_kinds.size(), kinds.size());
}

TEST_P(store_conformance, outbox_kind_names_are_stable) {
  // Stored by every backend: renaming one strands the rows already queued.
  EXPECT_EQ(outbox_kind_id(outbox_kind::reply), "reply");
  EXPECT_EQ(outbox_kind_id(outbox_kind::replace), "replace");
  EXPECT_EQ(outbox_kind_id(outbox_kind::post), "post");
  EXPECT_EQ(outbox_kind_id(outbox_kind::pulse_dm), "pulse_dm");
  EXPECT_EQ(outbox_kind_id(outbox_kind::pulse_update), "pulse_update");
  EXPECT_EQ(outbox_kind_id(outbox_kind::home), "home");
  EXPECT_EQ(outbox_kind_id(outbox_kind::verbatim), "verbatim");
  EXPECT_EQ(parse_outbox_kind("pulse_dm"), outbox_kind::pulse_dm);
  EXPECT_FALSE(parse_outbox_kind("chat.postMessage"));
  EXPECT_FALSE(parse_outbox_kind(""));
}

TEST_P(store_conformance, outbox_claims_leases_and_dedupes) {
  const auto m = message("C1", t0, "digest:T0ACME:2026-W48");
  const auto id = store_->enqueue(m, t0);
  EXPECT_EQ(store_->enqueue(m, t0), id);
  EXPECT_EQ(store_->outbox_depth(), 1U);

  EXPECT_TRUE(store_->claim_due(t0 - seconds{1}, t0 + seconds{30}, 10).empty());  // not due yet
  auto claimed = store_->claim_due(t0, t0 + seconds{30}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].status, outbox_status::sending);
  EXPECT_EQ(claimed[0].content, m.content);
  EXPECT_EQ(claimed[0].dedupe_key, m.dedupe_key);
  EXPECT_NE(claimed[0].claim, 0);
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
  EXPECT_EQ(store_->find_outbox(id)->last_error, "");
  EXPECT_EQ(store_->enqueue(m, t0 + hours{1}), id) << "a sent key still guards";

  const auto dead = store_->enqueue(message("C1", t0, "other"), t0);
  claimed = store_->claim_due(t0 + minutes{6}, t0 + minutes{7}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_TRUE(store_->mark_dead(dead, claimed[0].claim, "channel_not_found", t0));
  EXPECT_EQ(store_->find_outbox(dead)->status, outbox_status::dead);
  EXPECT_EQ(store_->find_outbox(dead)->last_error, "channel_not_found");
  EXPECT_EQ(store_->outbox_depth(), 0U);
  EXPECT_FALSE(store_->find_outbox(dead + 1000));
}

TEST_P(store_conformance, claim_due_takes_at_most_the_limit_and_release_gives_back_the_attempt) {
  for (int i = 0; i < 5; ++i) store_->enqueue(message("C" + std::to_string(i), t0 + seconds{i}), t0);
  const auto first = store_->claim_due(t0 + minutes{1}, t0 + minutes{2}, 3);
  ASSERT_EQ(first.size(), 3U);
  EXPECT_EQ(store_->claim_due(t0 + minutes{1}, t0 + minutes{2}, 10).size(), 2U);
  EXPECT_TRUE(store_->release(first[0].id, first[0].claim, t0 + minutes{1}));
  EXPECT_EQ(store_->find_outbox(first[0].id)->attempts, 0) << "our own rate limit is no attempt";
  EXPECT_EQ(store_->find_outbox(first[0].id)->status, outbox_status::pending);
  EXPECT_EQ(store_->outbox_depth(), 5U);
}

// A sender whose lease ran out while the message was in hand cannot record an outcome over the
// sender that claimed it since (two replicas, or one very slow call).
TEST_P(store_conformance, only_the_current_claim_records_an_outcome) {
  const auto id = store_->enqueue(message("C1", t0), t0);
  const auto first = store_->claim_due(t0, t0 + seconds{30}, 10);
  ASSERT_EQ(first.size(), 1U);
  const auto replica = second();
  const auto second_claim = replica->claim_due(t0 + seconds{31}, t0 + seconds{61}, 10);  // the lease ran out
  ASSERT_EQ(second_claim.size(), 1U);
  EXPECT_NE(first[0].claim, second_claim[0].claim);
  EXPECT_FALSE(store_->mark_sent(id, first[0].claim, t0 + seconds{32}));
  EXPECT_FALSE(store_->mark_dead(id, first[0].claim, "late", t0 + seconds{32}));
  EXPECT_FALSE(store_->reschedule(id, first[0].claim, t0 + minutes{5}, "late"));
  EXPECT_FALSE(store_->release(id, first[0].claim, t0));
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::sending);
  EXPECT_EQ(store_->find_outbox(id)->claim, second_claim[0].claim);
  EXPECT_TRUE(store_->mark_sent(id, second_claim[0].claim, t0 + seconds{33}));
  EXPECT_FALSE(store_->mark_sent(id, second_claim[0].claim, t0 + seconds{34})) << "once";
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::sent);
}

TEST_P(store_conformance, claim_tokens_differ_across_claims_and_processes) {
  std::set<std::int64_t> tokens;
  const auto replica = second();
  for (int i = 0; i < 20; ++i) store_->enqueue(message("C1", t0), t0);
  for (int round = 0; round < 4; ++round) {
    auto& claimer = round % 2 == 0 ? *store_ : *replica;
    const auto now = t0 + minutes{round};
    for (const auto& c : claimer.claim_due(now, now + seconds{30}, 100)) {
      EXPECT_NE(c.claim, 0);
      EXPECT_TRUE(tokens.insert(c.claim).second) << "token " << c.claim << " handed out twice";
    }
  }
  EXPECT_EQ(tokens.size(), 80U);
}

TEST_P(store_conformance, pending_updates_to_one_address_coalesce_into_one_row) {
  const std::string reply = "reply-address-1";
  std::int64_t first = 0;
  for (int i = 0; i < 20; ++i) {
    const auto id = store_->enqueue(pulse_update(reply, t0 + milliseconds{i}), t0);
    if (i == 0) first = id;
    EXPECT_EQ(id, first);
  }
  write_batch batch;  // in one group commit as well
  for (int i = 0; i < 20; ++i) batch.outbox.push_back(pulse_update(reply, t0));
  batch.outbox.push_back(pulse_update("reply-address-2", t0));
  store_->commit(batch, t0);
  EXPECT_EQ(store_->outbox_depth(), 2U);

  // Once claimed it may already be rendered: the next update needs its own row.
  ASSERT_EQ(store_->claim_due(t0 + seconds{1}, t0 + seconds{31}, 10).size(), 2U);
  const auto next = store_->enqueue(pulse_update(reply, t0), t0);
  EXPECT_NE(next, first);
  EXPECT_EQ(store_->enqueue(pulse_update(reply, t0), t0), next);
  EXPECT_EQ(store_->outbox_depth(), 3U);

  // Without a coalesce key every message is its own row.
  auto plain = pulse_update(reply, t0);
  plain.coalesce_key.clear();
  EXPECT_NE(store_->enqueue(plain, t0), store_->enqueue(plain, t0));
}

TEST_P(store_conformance, prune_outbox_deletes_only_old_finished_rows_without_a_dedupe_key) {
  auto m = message("C1", t0);
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
  EXPECT_TRUE(store_->find_outbox(keyed));  // its key still guards against a second digest
  EXPECT_EQ(store_->enqueue(m, t0 + days{3}), keyed);
  EXPECT_EQ(store_->outbox_depth(), 1U);
}

TEST_P(store_conformance, release_all_claims_keeps_the_attempt_counted_at_claim) {
  const auto id = store_->enqueue(message("C1", t0, "k"), t0);
  ASSERT_EQ(store_->claim_due(t0, t0 + seconds{30}, 10).size(), 1U);
  reopen();  // the process crashed while sending
  EXPECT_EQ(store_->release_all_claims(t0 + seconds{1}), 1U);
  EXPECT_EQ(store_->find_outbox(id)->attempts, 1);
  EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::pending);
  const auto again = store_->claim_due(t0 + seconds{1}, t0 + seconds{31}, 10);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].attempts, 2);
}

// Inbound events.

TEST_P(store_conformance, events_are_recorded_once_across_restarts_and_pruned) {
  EXPECT_TRUE(store_->record_event("Ev1", t0));
  EXPECT_FALSE(store_->record_event("Ev1", t0 + seconds{60}));
  reopen();
  EXPECT_FALSE(store_->record_event("Ev1", t0 + minutes{5}));
  EXPECT_TRUE(store_->record_event("Ev2", t0 + hours{2}));
  EXPECT_EQ(store_->prune_events("", t0 + hours{1}), 1U);
  EXPECT_TRUE(store_->record_event("Ev1", t0 + hours{3}));
}

TEST_P(store_conformance, events_are_pruned_by_prefix_in_batches) {
  write_batch clicks;
  for (int i = 0; i < 5'000; ++i) clicks.seen_events.push_back("click:T1/U1/" + std::to_string(i));
  store_->commit(clicks, t0);
  EXPECT_TRUE(store_->record_event("Ev1", t0));
  // Click keys live ten minutes, event ids a day: pruning the one leaves the other.
  EXPECT_EQ(store_->prune_events("click:", t0 + minutes{10}), 5'000U);
  EXPECT_TRUE(store_->recent_events("click:", t0 - hours{1}).empty());
  EXPECT_FALSE(store_->record_event("Ev1", t0 + minutes{11}));
}

TEST_P(store_conformance, seen_events_commit_with_the_batch_and_reload_by_prefix_and_time) {
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

// Error kinds, the same for every backend.

TEST(store_error, only_a_transient_failure_is_worth_retrying_and_the_databases_are_told_apart) {
  struct expectation {
    store_failure kind;
    bool about_the_database;
    bool retryable;
  };
  for (const auto& e : {expectation{store_failure::transient, true, true},
                        expectation{store_failure::unavailable, true, false},
                        expectation{store_failure::corrupt, true, false},
                        expectation{store_failure::conflict, false, false},
                        expectation{store_failure::other, false, false}}) {
    const store_error error("why it failed", e.kind);
    EXPECT_EQ(error.kind(), e.kind);
    EXPECT_EQ(error.about_the_database(), e.about_the_database) << static_cast<int>(e.kind);
    EXPECT_EQ(error.retryable(), e.retryable) << static_cast<int>(e.kind);
    EXPECT_STREQ(error.what(), "why it failed");
  }
  EXPECT_EQ(store_error("no kind").kind(), store_failure::other);
}

std::string backend_name(const ::testing::TestParamInfo<backend>& info) { return info.param.name; }

// One line per backend.
INSTANTIATE_TEST_SUITE_P(sqlite, store_conformance, ::testing::Values(sqlite_backend()), backend_name);

}  // namespace
}  // namespace smrel::storage
