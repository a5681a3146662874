// The store conformance suite (store_conformance.hpp): the outbox and inbound events.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/bot/storage/store_conformance.hpp"

namespace smrel::storage {
namespace {

using namespace std::chrono;
using domain::platform;

outbox_message pulse_update(const std::string& reply_address, time_point at) {
  outbox_message m;
  m.kind = outbox_kind::pulse_update;
  m.address = reply_address;
  m.content = R"({"pulse":1})";
  m.coalesce_key = "pulse_update:" + reply_address;
  m.next_attempt_at = at;
  return m;
}

// Outbox.

// A removed workspace's rows go, pending or kept for their dedupe key, on its platform only.
TEST_P(store_conformance, outbox_rows_holding_a_marker_are_dropped_on_their_platform_only) {
  const auto row = [&](platform on, std::string content, std::string key) {
    outbox_message m;
    m.on = on;
    m.kind = outbox_kind::pulse_dm;
    m.address = "U1";
    m.content = std::move(content);
    m.dedupe_key = std::move(key);
    m.next_attempt_at = t0;
    return store_->enqueue(m, t0);
  };
  const auto pending = row(platform::slack, R"({"pulse":{"user":"U1","workspace":"T1"}})", "a");
  const auto kept = row(platform::slack, R"({"pulse":{"user":"U2","workspace":"T1"}})", "b");
  const auto claimed = store_->claim_due(t0, t0 + minutes{1}, 1);
  ASSERT_EQ(claimed.size(), 1U);
  store_->mark_sent(claimed[0].id, claimed[0].claim, t0);
  const auto longer_id = row(platform::slack, R"({"pulse":{"user":"U3","workspace":"T10"}})", "c");
  const auto other_platform = row(platform::teams, R"({"pulse":{"user":"U4","workspace":"T1"}})", "d");
  ASSERT_EQ(store_->outbox_depth(), 3U);
  EXPECT_EQ(store_->drop_outbox_rows(platform::slack, R"("workspace":"T1")"), 2U);
  EXPECT_FALSE(store_->find_outbox(pending));
  EXPECT_FALSE(store_->find_outbox(kept));
  EXPECT_TRUE(store_->find_outbox(longer_id));
  EXPECT_TRUE(store_->find_outbox(other_platform));
  EXPECT_EQ(store_->outbox_depth(), 2U);
}

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
  EXPECT_FALSE(store_->holds_dedupe_key(m.dedupe_key));
  const auto id = store_->enqueue(m, t0);
  EXPECT_EQ(store_->enqueue(m, t0), id);
  EXPECT_TRUE(store_->holds_dedupe_key(m.dedupe_key));
  EXPECT_FALSE(store_->holds_dedupe_key("digest:T0ACME:2026-W49"));
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
  EXPECT_TRUE(store_->holds_dedupe_key(m.dedupe_key));

  const auto dead = store_->enqueue(message("C1", t0, "other"), t0);
  claimed = store_->claim_due(t0 + minutes{6}, t0 + minutes{7}, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_TRUE(store_->mark_dead(dead, claimed[0].claim, "channel_not_found", t0));
  EXPECT_EQ(store_->find_outbox(dead)->status, outbox_status::dead);
  EXPECT_EQ(store_->find_outbox(dead)->last_error, "channel_not_found");
  EXPECT_TRUE(store_->holds_dedupe_key("other"));  // until the worker forgets it
  store_->forget_dedupe_key(dead);
  EXPECT_FALSE(store_->holds_dedupe_key("other"));
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
  if (!GetParam().single_process) {
    // Shared: the claim may be a live replica's, so it stands until its lease runs out.
    EXPECT_EQ(store_->release_all_claims(t0 + seconds{1}), 0U);
    EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::sending);
    EXPECT_EQ(store_->release_all_claims(t0 + seconds{30}), 1U);
    EXPECT_EQ(store_->find_outbox(id)->attempts, 1);
    EXPECT_EQ(store_->find_outbox(id)->status, outbox_status::pending);
    return;
  }
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
  batch.seen_events = {"click:c"};
  store_->commit(batch, t0 + minutes{3});
  // A key seen before is a replay, whichever process saw it: the whole batch is refused.
  auto replay = one_answer(pulse.id, "p2", t0 + minutes{3});
  replay.seen_events = {"click:b"};
  EXPECT_THROW(second()->commit(replay, t0 + minutes{3}), already_seen);
  EXPECT_EQ(store_->answers(acme, week48, week48).size(), 1U);
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

TEST_P(store_conformance, a_batch_queues_its_messages_in_order_with_any_text_and_each_key_once) {
  write_batch batch;
  const std::vector<std::string> awkward{"", "{a,b}", "say \"hi\"", "back\\slash", "NULL", "ünïcødé ✓", "line\nbreak"};
  for (const auto& text : awkward) {
    auto m = message("C-" + text, t0);
    m.content = text.empty() ? "{}" : text;
    batch.outbox.push_back(m);
  }
  batch.outbox.push_back(message("C-digest", t0, "digest:W48"));
  batch.outbox.push_back(message("C-digest-again", t0, "digest:W48"));  // the same key: left out
  auto update = pulse_update("reply-1", t0);
  batch.outbox.push_back(update);
  update.content = R"({"pulse":2})";
  batch.outbox.push_back(update);  // the same coalesce key, pending: left out
  store_->commit(batch, t0);
  const auto claimed = store_->claim_due(t0, t0 + minutes{1}, 100);
  ASSERT_EQ(claimed.size(), awkward.size() + 2);
  for (std::size_t i = 0; i < awkward.size(); ++i) {
    EXPECT_EQ(claimed[i].address, "C-" + awkward[i]);
    EXPECT_EQ(claimed[i].content, awkward[i].empty() ? "{}" : awkward[i]);
    EXPECT_TRUE(claimed[i].dedupe_key.empty());
  }
  EXPECT_EQ(claimed[awkward.size()].address, "C-digest");
  EXPECT_EQ(claimed[awkward.size()].dedupe_key, "digest:W48");
  EXPECT_EQ(claimed[awkward.size() + 1].content, R"({"pulse":1})");
}

// Send pacing: the buckets every process on the database takes its turns from.

TEST_P(store_conformance, send_turns_come_at_the_buckets_pace_for_every_process_on_the_database) {
  const send_pace channel{"slack:channel:C1", 1.0, 2.0};  // a burst of two, then one a second
  const std::vector<send_pace> one{channel};
  auto other = second();  // another replica on the same database
  EXPECT_EQ(store_->take_send_turn(one, t0), t0);
  EXPECT_EQ(other->take_send_turn(one, t0), t0) << "the burst is the bucket's, whoever takes it";
  EXPECT_EQ(store_->take_send_turn(one, t0), t0 + seconds{1}) << "the third turn waits a second";
  EXPECT_EQ(other->take_send_turn(one, t0 + milliseconds{999}), t0 + seconds{1}) << "asking took nothing";
  EXPECT_EQ(other->take_send_turn(one, t0 + seconds{1}), t0 + seconds{1});
  EXPECT_EQ(store_->take_send_turn(one, t0 + seconds{1}), t0 + seconds{2});
  // After a quiet spell the burst is back, and no more than it.
  EXPECT_EQ(store_->take_send_turn(one, t0 + minutes{1}), t0 + minutes{1});
  EXPECT_EQ(other->take_send_turn(one, t0 + minutes{1}), t0 + minutes{1});
  EXPECT_EQ(store_->take_send_turn(one, t0 + minutes{1}), t0 + minutes{1} + seconds{1});
}

TEST_P(store_conformance, a_turn_soon_enough_is_reserved_and_the_next_asker_gets_the_one_after) {
  const send_pace bucket{"slack:response_url:hooks.slack.com", 10.0, 1.0};  // one every 100 ms
  const std::vector<send_pace> one{bucket};
  auto other = second();
  EXPECT_EQ(store_->take_send_turn(one, t0, t0 + milliseconds{250}), t0);
  EXPECT_EQ(other->take_send_turn(one, t0, t0 + milliseconds{250}), t0 + milliseconds{100}) << "reserved";
  EXPECT_EQ(store_->take_send_turn(one, t0, t0 + milliseconds{250}), t0 + milliseconds{200}) << "reserved";
  // The next is 300 ms ahead, later than the asker will wait: nothing taken, and it stays free.
  EXPECT_EQ(other->take_send_turn(one, t0, t0 + milliseconds{250}), t0 + milliseconds{300});
  EXPECT_EQ(store_->take_send_turn(one, t0 + milliseconds{50}, t0 + milliseconds{300}), t0 + milliseconds{300});
  EXPECT_EQ(store_->take_send_turn(one, t0 + milliseconds{300}), t0 + milliseconds{400}) << "only now is not enough";
}

TEST_P(store_conformance, a_send_turn_is_taken_from_every_bucket_or_from_none) {
  const send_pace method{"slack:method:chat.postMessage", 5.0, 1.0};
  const send_pace busy{"slack:channel:C1", 1.0, 1.0};
  const send_pace idle{"slack:channel:C2", 1.0, 1.0};
  EXPECT_EQ(store_->take_send_turn(std::vector{busy}, t0), t0);
  // The channel's bucket is empty: the method's turn is not spent on a send that cannot go.
  EXPECT_EQ(store_->take_send_turn(std::vector{method, busy}, t0), t0 + seconds{1});
  EXPECT_EQ(second()->take_send_turn(std::vector{idle, method}, t0), t0);
  EXPECT_EQ(store_->take_send_turn(std::vector{method, idle}, t0 + milliseconds{100}), t0 + seconds{1})
      << "C2 spent its turn";
  EXPECT_EQ(store_->take_send_turn(std::vector{method}, t0 + milliseconds{100}), t0 + milliseconds{200})
      << "the method's bucket gave one turn, five a second";
}

TEST_P(store_conformance, a_pause_holds_every_process_and_turns_resume_one_at_a_time) {
  const send_pace tenant{"teams:tenant:t1", 10.0, 5.0};
  const std::vector<send_pace> one{tenant};
  store_->pause_sends(one, t0 + seconds{30});
  EXPECT_EQ(second()->take_send_turn(one, t0), t0 + seconds{30});
  store_->pause_sends(one, t0 + seconds{10});  // a shorter pause does not shorten the longer one
  EXPECT_EQ(store_->take_send_turn(one, t0 + seconds{20}), t0 + seconds{30});
  EXPECT_EQ(store_->take_send_turn(one, t0 + seconds{30}), t0 + seconds{30});
  EXPECT_EQ(second()->take_send_turn(one, t0 + seconds{30}), t0 + seconds{30} + milliseconds{100})
      << "no burst right after a platform said to slow down";
}

TEST_P(store_conformance, idle_send_buckets_are_pruned_and_a_fresh_one_is_the_same) {
  const std::vector<send_pace> a{{"a", 1.0, 1.0}};
  const std::vector<send_pace> b{{"b", 1.0, 1.0}};
  EXPECT_EQ(store_->take_send_turn(a, t0), t0);
  EXPECT_EQ(store_->take_send_turn(b, t0 + minutes{30}), t0 + minutes{30});
  EXPECT_EQ(store_->prune_send_paces(t0 + minutes{10}), 1U);
  EXPECT_EQ(store_->prune_send_paces(t0 + minutes{10}), 0U);
  EXPECT_EQ(store_->take_send_turn(a, t0 + minutes{31}), t0 + minutes{31});
  EXPECT_EQ(store_->take_send_turn(b, t0 + minutes{30}), t0 + minutes{30} + seconds{1}) << "b was kept";
}

}  // namespace
}  // namespace smrel::storage
