// The store conformance suite (store_conformance.hpp): direct conversations, installations and
// scheduled runs.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/unit/bot/storage/store_conformance.hpp"

namespace smrel::storage {
namespace {

using namespace std::chrono;
using domain::conversation_ref;
using domain::member_key;
using domain::platform;

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

// Removing the app erases the people at once and keeps the pseudonymous answers until the
// retention ends; another workspace is untouched; joining again makes the workspace installed.
TEST_P(store_conformance, a_removed_workspace_loses_its_people_at_once_and_the_rest_when_retention_ends) {
  const domain::workspace_ref other{domain::platform::slack, "T0OTHER"};
  const auto fill = [&](const domain::workspace_ref& w) {
    const domain::member_key ann{w, "U1"};
    const auto pulse = store_->open_pulse(w, week48, t0, t0 + days{7});
    store_->record_delivery(pulse.id, store_->upsert_member(ann, scoring::locale::en, t0).id, {0, 5, 12, 19}, t0);
    store_->set_group(ann, "p-" + w.id, scoring::group::sales);
    store_->store_answers(std::vector<new_answer>{{w, pulse.id, "p-" + w.id, week48, 0, 3, t0}});
    store_->remember_direct_conversation(ann, {w.on, "D1"});
    store_->set_admins(w, {"U1"}, t0);
    store_->record_nudge({0, w, "lead_sla", week48, "why", t0, week48 + 2});
  };
  fill(acme);
  fill(other);
  const auto versions_before = store_->people_version(acme);
  store_->remove_workspace(acme, t0 + days{1});
  store_->remove_workspace(acme, t0 + days{2});  // again: the first time stands
  reopen();
  EXPECT_TRUE(store_->members(acme).empty());
  EXPECT_FALSE(store_->find_direct_conversation({acme, "U1"}));
  EXPECT_GT(store_->people_version(acme), versions_before);
  const auto removed = store_->find_installation(acme);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->removed_at, time_point_cast<milliseconds>(t0 + days{1}));
  EXPECT_TRUE(removed->admins.empty());
  EXPECT_EQ(store_->answers(acme, week48, week48).size(), 1U) << "pseudonymous answers stay for now";

  EXPECT_EQ(store_->erase_removed_workspaces(t0 + days{1}), 0U) << "removed at that moment, not before";
  EXPECT_EQ(store_->erase_removed_workspaces(t0 + days{31}), 1U);
  reopen();
  EXPECT_TRUE(store_->answers(acme, week48, week48).empty());
  EXPECT_FALSE(store_->find_pulse(acme, week48));
  EXPECT_TRUE(store_->nudges_since(acme, week48).empty());
  EXPECT_FALSE(store_->find_installation(acme));
  // The other workspace keeps everything.
  EXPECT_EQ(store_->members(other).size(), 1U);
  EXPECT_EQ(store_->answers(other, week48, week48).size(), 1U);
  EXPECT_TRUE(store_->find_direct_conversation({other, "U1"}));
  EXPECT_FALSE(store_->find_installation(other)->removed_at);

  // Removed, then someone joins again before the retention ends: installed again, never erased.
  store_->remove_workspace(other, t0 + days{1});
  store_->upsert_member({other, "U2"}, scoring::locale::en, t0 + days{2});
  EXPECT_FALSE(store_->find_installation(other)->removed_at);
  EXPECT_EQ(store_->erase_removed_workspaces(t0 + days{60}), 0U);
  EXPECT_EQ(store_->answers(other, week48, week48).size(), 1U);
}

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

}  // namespace
}  // namespace smrel::storage
