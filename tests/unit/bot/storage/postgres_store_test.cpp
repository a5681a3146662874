// The PostgreSQL backend's own behaviour, beyond the conformance suite: replicas migrating
// together, a server killed and restarted under an open store, concurrent claims, the pool, and
// URLs kept out of messages. Each test has a fresh database on the process's throwaway server.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bot/storage/store.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::storage {
namespace {

using namespace std::chrono;

const domain::workspace_ref acme{domain::platform::slack, "T0ACME"};
const time_point t0 = sys_days{year{2026} / November / 23} + hours{10};
const scoring::iso_week week48 = *scoring::iso_week::parse("2026-W48");

class postgres_store : public ::testing::Test {
 protected:
  testing::postgres_server& server_ = testing::postgres_server::shared();
  std::string url_ = server_.create_database();
};

store_failure failure_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const store_error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no store_error thrown";
  return store_failure::other;
}

TEST_F(postgres_store, replicas_starting_together_migrate_once) {
  constexpr int replicas = 4;
  std::vector<std::unique_ptr<store>> stores;
  for (int i = 0; i < replicas; ++i) stores.push_back(open_store(url_));
  std::atomic<int> applied{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (auto& s : stores) {
    threads.emplace_back([&s, &applied, &failures] {
      try {
        applied += s->migrate();
      } catch (const store_error&) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied.load(), stores[0]->latest_schema_version()) << "each version applied by exactly one replica";
  for (auto& s : stores) EXPECT_EQ(s->schema_version(), s->latest_schema_version());
}

TEST_F(postgres_store, reports_the_same_schema_versions_as_sqlite) {
  const auto store = open_store(url_);
  EXPECT_EQ(store->schema_version(), 0);
  const testing::temp_dir dir;
  const auto sqlite = open_store("sqlite:" + dir.file("smrel.db"));
  EXPECT_EQ(store->latest_schema_version(), sqlite->latest_schema_version());
  EXPECT_EQ(store->migrate(), 13);
  EXPECT_EQ(store->schema_version(), 13);
}

TEST_F(postgres_store, a_killed_server_makes_the_store_unavailable_until_it_is_back) {
  const auto store = open_store(url_);
  store->migrate();
  const domain::member_key alice{acme, "U1"};
  store->upsert_member(alice, scoring::locale::en, t0);
  const auto pulse = store->open_pulse(acme, week48, t0, t0 + days{7});
  write_batch before;
  before.answers.push_back({acme, pulse.id, "p1", week48, 0, 4, t0});
  store->commit(before, t0);  // acknowledged: must survive the crash

  server_.kill();
  EXPECT_EQ(failure_of([&] { store->find_member(alice); }), store_failure::unavailable);
  write_batch during;
  during.answers.push_back({acme, pulse.id, "p2", week48, 0, 2, t0});
  EXPECT_EQ(failure_of([&] { store->commit(during, t0); }), store_failure::unavailable);
  const auto down = store->check_ready();
  EXPECT_FALSE(down.ready);
  EXPECT_FALSE(down.reason.empty());
  EXPECT_FALSE(store->ping());

  server_.restart();
  // The same store, no reopening: broken connections were dropped and new ones are made.
  EXPECT_TRUE(store->ping());
  const auto up = store->check_ready();
  EXPECT_TRUE(up.ready) << up.reason;
  ASSERT_TRUE(store->find_member(alice));
  store->commit(during, t0);
  const auto stored = store->answers(acme, week48, week48);
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(stored[0].pseudonym, "p1");
  EXPECT_EQ(stored[1].pseudonym, "p2");
}

TEST_F(postgres_store, concurrent_claims_never_hand_out_the_same_row) {
  constexpr int messages = 300;
  const auto first = open_store(url_);
  first->migrate();
  const auto second = open_store(url_);
  for (int i = 0; i < messages; ++i) {
    outbox_message m;
    m.address = "C" + std::to_string(i);
    m.content = "{}";
    m.next_attempt_at = t0;
    first->enqueue(m, t0);
  }
  std::mutex mutex;
  std::vector<std::int64_t> claimed;
  std::set<std::int64_t> tokens;
  std::atomic<int> empty_polls{0};
  const auto sender = [&](store& s) {
    for (;;) {
      const auto batch = s.claim_due(t0 + seconds{1}, t0 + minutes{5}, 7);
      if (batch.empty()) {
        ++empty_polls;
        return;
      }
      std::lock_guard lock(mutex);
      for (const auto& m : batch) {
        claimed.push_back(m.id);
        tokens.insert(m.claim);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] { sender(*first); });
    threads.emplace_back([&] { sender(*second); });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(claimed.size(), static_cast<std::size_t>(messages));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), claimed.size()) << "a row claimed twice";
  EXPECT_EQ(tokens.size(), claimed.size()) << "every claim has its own token";
  EXPECT_EQ(first->outbox_depth(), static_cast<std::size_t>(messages));
}

TEST_F(postgres_store, an_outcome_from_a_replica_whose_lease_ran_out_changes_nothing) {
  const auto a = open_store(url_);
  a->migrate();
  const auto b = open_store(url_);
  outbox_message m;
  m.address = "C1";
  m.content = "{}";
  m.next_attempt_at = t0;
  const auto id = a->enqueue(m, t0);
  const auto by_a = a->claim_due(t0, t0 + seconds{30}, 10);
  ASSERT_EQ(by_a.size(), 1U);
  EXPECT_TRUE(b->claim_due(t0 + seconds{10}, t0 + seconds{40}, 10).empty()) << "a's lease still runs";
  EXPECT_EQ(b->release_all_claims(t0 + seconds{10}), 0U) << "a live replica's claim is not released";
  const auto by_b = b->claim_due(t0 + seconds{31}, t0 + seconds{61}, 10);
  ASSERT_EQ(by_b.size(), 1U);
  EXPECT_FALSE(a->mark_sent(id, by_a[0].claim, t0 + seconds{32}));
  EXPECT_TRUE(b->mark_sent(id, by_b[0].claim, t0 + seconds{32}));
  EXPECT_EQ(a->find_outbox(id)->status, outbox_status::sent);
}

TEST_F(postgres_store, a_small_pool_serves_more_threads_than_it_has_connections) {
  const auto store = open_store(url_, {.pool_size = 2});
  store->migrate();
  const auto pulse = store->open_pulse(acme, week48, t0, t0 + days{7});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 20; ++i) {
          write_batch batch;
          batch.answers.push_back({acme, pulse.id, "p" + std::to_string(t), week48,
                                   static_cast<std::uint8_t>(i % scoring::statement_count), 3, t0});
          batch.seen_events.push_back("click:" + std::to_string(t) + "/" + std::to_string(i));
          store->commit(batch, t0);
          store->people_version(acme);
        }
      } catch (const store_error&) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->answer_count(), 8U * 20U);
}

TEST_F(postgres_store, a_decision_racing_an_opt_out_is_refused_not_stored) {
  const auto a = open_store(url_);
  a->migrate();
  const auto b = open_store(url_);
  const domain::member_key alice{acme, "U1"};
  a->upsert_member(alice, scoring::locale::en, t0);
  const auto pulse = a->open_pulse(acme, week48, t0, t0 + days{7});
  const auto decided_on = a->people_version(acme);
  b->set_opted_out(alice, true);  // on another replica, after the decision
  write_batch batch;
  batch.answers.push_back({acme, pulse.id, "p1", week48, 0, 4, t0});
  batch.people_unchanged.push_back({acme, decided_on});
  EXPECT_THROW(a->commit(batch, t0), stale_decision);
  EXPECT_EQ(a->answer_count(), 0U);
}

TEST_F(postgres_store, breaking_a_rule_is_a_conflict) {
  const auto store = open_store(url_);
  store->migrate();
  write_batch batch;
  batch.answers.push_back({acme, 424242, "p1", week48, 0, 4, t0});  // no such pulse
  // Queued behind the failing statement in the same pipeline: skipped, and nothing of it kept.
  outbox_message confirmation;
  confirmation.address = "C1";
  confirmation.content = "{}";
  confirmation.next_attempt_at = t0;
  batch.outbox.push_back(confirmation);
  batch.seen_events.push_back("click:slack:p1");
  EXPECT_EQ(failure_of([&] { store->commit(batch, t0); }), store_failure::conflict);
  EXPECT_TRUE(store->ping()) << "the connection is still good after a failed transaction";
  EXPECT_EQ(store->outbox_depth(), 0U);
  EXPECT_TRUE(store->record_event("click:slack:p1", t0)) << "the replay key was not kept either";
}

TEST(postgres_url, the_password_never_appears_in_a_message) {
  for (const std::string url : {"postgresql://smrel:s3cretpw@127.0.0.1:1/db?connect_timeout=2",
                                "postgres://smrel:s3cretpw%zz@127.0.0.1:1/db", "postgresql://u@h/db?password=s3cretpw&x"}) {
    try {
      open_store(url);
      ADD_FAILURE() << "opened a store on a closed port";
    } catch (const store_error& e) {
      EXPECT_EQ(std::string(e.what()).find("s3cretpw"), std::string::npos) << e.what();
    }
  }
}

TEST(postgres_url, an_unreachable_server_is_unavailable) {
  EXPECT_EQ(failure_of([] { open_store("postgresql://smrel@127.0.0.1:1/db?connect_timeout=2"); }),
            store_failure::unavailable);
}

}  // namespace
}  // namespace smrel::storage
