// The store conformance suite (store_conformance.hpp): members and people's version, pulses and
// deliveries, answers, nudges and follow-ups, releases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/unit/bot/storage/store_conformance.hpp"

namespace smrel::storage {
namespace {

using namespace std::chrono;
using domain::member_key;
using domain::message_ref;
using domain::platform;
using domain::workspace_ref;

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
  expect_same("a member created (no decision about anyone can rest on them yet)");
  store_->upsert_member(ann, scoring::locale::nl, t0);
  expect_same("an existing member upserted");
  store_->set_group(ann, "p-ann", scoring::group::sales);
  expect_grown("a group set");
  store_->set_locale(ann, scoring::locale::nl);
  expect_grown("a language set");
  store_->set_locale(ann, scoring::locale::nl);
  expect_same("the same language set again");
  store_->set_opted_out(ann, true);
  expect_grown("an opt-out");
  store_->set_opted_out(ann, true);
  expect_same("an opt-out repeated");
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
  store_->upsert_member({other_workspace, "U1"}, scoring::locale::en, t0);
  store_->set_opted_out({other_workspace, "U1"}, true);  // another workspace's change
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
  replica->set_opted_out({other_workspace, "U9"}, true);
  store_->upsert_member({other_workspace, "U9"}, scoring::locale::en, t0);
  store_->set_opted_out({other_workspace, "U9"}, true);
  decided.answers[0].value = 5;
  decided.seen_events = {"click:ann-2"};
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

// Someone the platform cannot reach is not asked: their delivery stops counting, and they stay
// unreachable until they act again (upsert_member, as join does).
TEST_P(store_conformance, an_unreachable_member_is_not_counted_as_asked_until_they_act_again) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const member_key ann{acme, "U1"};
  const member_key bob{acme, "U2"};
  for (const auto& who : {ann, bob}) {
    store_->record_delivery(pulse.id, store_->upsert_member(who, scoring::locale::en, t0).id, {0, 5, 12, 19}, t0);
  }
  ASSERT_EQ(store_->pulse_response(pulse.id).asked, 2);
  store_->mark_unreachable(bob, pulse.id, t0 + hours{1});
  store_->mark_unreachable({acme, "UNKNOWN"}, pulse.id, t0 + hours{1});  // nobody: no-op
  reopen();
  EXPECT_EQ(store_->pulse_response(pulse.id).asked, 1);
  EXPECT_TRUE(store_->find_member(bob)->unreachable);
  EXPECT_FALSE(store_->find_member(ann)->unreachable);
  const auto listed = store_->members(acme);
  EXPECT_EQ(std::count_if(listed.begin(), listed.end(), [](const member& m) { return m.unreachable; }), 1);
  EXPECT_FALSE(store_->upsert_member(bob, scoring::locale::en, t0 + days{1}).unreachable);
  EXPECT_FALSE(store_->find_member(bob)->unreachable);
}

// Guests and bots: the platform's word on who someone is. They are not asked, and their answers are
// erased (not kept aside: a mark on so few pseudonyms would link them to their people); a person
// again is asked again, and counts from then on.
TEST_P(store_conformance, a_guest_is_neither_asked_nor_counted_and_their_answers_are_erased) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  const member_key ann{acme, "U1"};
  const member_key gus{acme, "U2"};  // joined, then found to be a guest
  const member_key nat{acme, "U3"};  // never joined; answered through the pulse command
  for (const auto& who : {ann, gus}) {
    const auto m = store_->upsert_member(who, scoring::locale::en, t0);
    store_->set_delivery_message(store_->record_delivery(pulse.id, m.id, {0, 5, 12, 19}, t0).id,
                                 {{platform::slack, "D" + who.user}, "1.0"});
  }
  store_->upsert_member(nat, scoring::locale::en, t0);
  store_->set_group(ann, "p-ann", scoring::group::sales);
  store_->set_group(gus, "p-gus", scoring::group::marketing);
  store_->store_answers(std::vector<new_answer>{{acme, pulse.id, "p-ann", week48, 0, 2, t0},
                                                {acme, pulse.id, "p-gus", week48, 0, 4, t0},
                                                {acme, pulse.id, "p-nat", week48, 0, 5, t0}});
  const auto nudge = store_->record_nudge({0, acme, "lead_sla", week48, "why", t0, week48});
  write_batch follow_ups;
  follow_ups.follow_ups = {{nudge, "p-ann", 2, t0}, {nudge, "p-gus", 5, t0}};
  store_->commit(follow_ups, t0);
  ASSERT_EQ(store_->answers(acme, week48, week48).size(), 3U);
  const auto version = store_->people_version(acme);

  store_->set_person_kind(gus, "p-gus", domain::person_kind::guest);
  store_->set_person_kind(nat, "p-nat", domain::person_kind::bot);
  store_->set_person_kind({acme, "UNKNOWN"}, "p-unknown", domain::person_kind::guest);  // nobody: no-op
  reopen();
  EXPECT_GT(store_->people_version(acme), version);
  EXPECT_EQ(store_->find_member(gus)->kind, domain::person_kind::guest);
  EXPECT_EQ(store_->find_member(nat)->kind, domain::person_kind::bot);
  EXPECT_EQ(store_->find_member(ann)->kind, domain::person_kind::person);
  const auto counted = store_->answers(acme, week48, week48);
  ASSERT_EQ(counted.size(), 1U);
  EXPECT_EQ(counted[0].pseudonym, "p-ann");
  EXPECT_EQ(store_->follow_up_values(nudge), (std::vector<std::uint8_t>{2}));
  EXPECT_EQ(store_->pulse_response(pulse.id).asked, 1);
  EXPECT_EQ(store_->pulse_response(pulse.id).answered, 1);
  const auto still_asked = store_->sent_deliveries(pulse.id);
  ASSERT_EQ(still_asked.size(), 1U);
  EXPECT_EQ(still_asked[0].who, ann);
  EXPECT_TRUE(store_->answers_by("p-gus", pulse.id).empty());
  EXPECT_TRUE(store_->answers_by("p-nat", pulse.id).empty());
  EXPECT_FALSE(store_->follow_up_value(nudge, "p-gus"));

  const auto before = store_->people_version(acme);
  store_->set_person_kind(gus, "p-gus", domain::person_kind::guest);  // no change: no new version
  EXPECT_EQ(store_->people_version(acme), before);
  store_->set_person_kind(gus, "p-gus", domain::person_kind::person);
  EXPECT_EQ(store_->pulse_response(pulse.id).asked, 2);
  store_->store_answers(std::vector<new_answer>{{acme, pulse.id, "p-gus", week48, 5, 3, t0 + hours{1}}});
  const auto again = store_->answers(acme, week48, week48);
  ASSERT_EQ(again.size(), 2U);
  EXPECT_EQ(again[1].group, scoring::group::marketing);
}

// Each person is looked up at most once per period, by one process: taking marks them.
TEST_P(store_conformance, people_due_a_look_up_are_taken_once_oldest_first_and_only_where_installed) {
  const member_key ann{acme, "U1"};
  const member_key bob{acme, "U2"};
  const member_key cat{acme, "U3"};
  const member_key dan{other_workspace, "U4"};
  for (const auto& who : {ann, bob, cat, dan}) store_->upsert_member(who, scoring::locale::en, t0);
  store_->upsert_member({acme_on_teams, "aad-1"}, scoring::locale::en, t0);  // another platform
  store_->mark_unreachable(cat, 0, t0);
  store_->remove_workspace(other_workspace, t0);
  store_->set_looked_up_at(ann, t0 - hours{30});

  const auto first = store_->take_people_to_look_up(platform::slack, t0 - hours{24}, t0, 10);
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(first[0].key, bob);  // never looked up comes first
  EXPECT_FALSE(first[0].looked_up_at);
  EXPECT_EQ(first[1].key, ann);
  EXPECT_EQ(first[1].looked_up_at, time_point_cast<milliseconds>(t0 - hours{30}));
  reopen();
  EXPECT_EQ(store_->find_member(bob)->looked_up_at, time_point_cast<milliseconds>(t0));
  EXPECT_TRUE(store_->take_people_to_look_up(platform::slack, t0 - hours{24}, t0 + hours{1}, 10).empty());
  // A day later both are due again; the limit is kept.
  const auto later = store_->take_people_to_look_up(platform::slack, t0 + hours{1}, t0 + hours{25}, 1);
  ASSERT_EQ(later.size(), 1U);
  EXPECT_EQ(store_->take_people_to_look_up(platform::slack, t0 + hours{1}, t0 + hours{25}, 10).size(), 1U);
}

// Two replicas taking people at the same moment never take the same person: each is looked up by
// one of them.
TEST_P(store_conformance, two_processes_taking_people_at_once_take_each_person_once) {
  constexpr int people = 60;
  for (int i = 0; i < people; ++i) store_->upsert_member({acme, "U" + std::to_string(i)}, scoring::locale::en, t0);
  const auto replica = second();
  std::vector<std::string> taken_by_a;
  std::vector<std::string> taken_by_b;
  const auto take_all = [&](store& s, std::vector<std::string>& taken) {
    try {
      for (int round = 0; round < people; ++round) {
        for (const auto& m : s.take_people_to_look_up(platform::slack, t0 - hours{24}, t0, 3)) taken.push_back(m.key.user);
      }
    } catch (const store_error& e) {
      ADD_FAILURE() << e.what();
    }
  };
  std::thread a([&] { take_all(*store_, taken_by_a); });
  std::thread b([&] { take_all(*replica, taken_by_b); });
  a.join();
  b.join();
  std::vector<std::string> all = taken_by_a;
  all.insert(all.end(), taken_by_b.begin(), taken_by_b.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(people)) << "each taken once";
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "nobody taken twice";
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

TEST_P(store_conformance, a_batch_with_two_answers_to_one_statement_keeps_the_later_and_all_the_others) {
  const auto pulse = store_->open_pulse(acme, week48, t0, t0 + days{7});
  write_batch batch;  // what a group commit of several clicks holds, in commit order
  batch.answers = {{acme, pulse.id, "p-ann", week48, 0, 2, t0},
                   {acme, pulse.id, "p-bob", week48, 0, 5, t0 + seconds{1}},
                   {acme, pulse.id, "p-ann", week48, 0, 4, t0 + seconds{2}},
                   {acme, pulse.id, "p-ann", week48, 1, 6, t0 + seconds{3}}};
  store_->commit(batch, t0 + seconds{3});
  const auto ann = store_->answers_by("p-ann", pulse.id);
  ASSERT_EQ(ann.size(), 2U);
  EXPECT_EQ(ann[0].value, 4) << "the later answer to q01 wins";
  EXPECT_EQ(ann[1].value, 6);
  ASSERT_EQ(store_->answers_by("p-bob", pulse.id).size(), 1U);
  EXPECT_EQ(store_->answer_count(), 3U);
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

}  // namespace
}  // namespace smrel::storage
