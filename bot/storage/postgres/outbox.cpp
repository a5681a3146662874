// The outbox: rows queued with the writes that caused them, claimed by senders on any replica
// (FOR UPDATE SKIP LOCKED) under a lease and a claim token, finished as sent or dead, and pruned.
#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "bot/storage/postgres/array_literal.hpp"
#include "bot/storage/postgres/backend.hpp"
#include "bot/storage/postgres/rows.hpp"

namespace smrel::storage::postgres {

using namespace rows;

std::int64_t backend::enqueue(const outbox_message& m, time_point now) {
  auto db = pool_.acquire();
  const auto inserted = db->run(
      "INSERT INTO outbox (platform, kind, address, content, dedupe_key, coalesce_key, status, attempts, "
      "next_attempt_at, created_at, updated_at) "
      "SELECT $1, $2, $3, $4, $5, $6::text, 'pending', 0, $7, $8, $8 "
      "WHERE $6::text IS NULL OR NOT EXISTS (SELECT 1 FROM outbox WHERE coalesce_key = $6::text AND status = 'pending') "
      "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
      domain::platform_id(m.on), outbox_kind_id(m.kind), m.address, m.content, text_or_null(m.dedupe_key),
      text_or_null(m.coalesce_key), to_ms(m.next_attempt_at), to_ms(now));
  if (!inserted.empty()) return inserted.integer(0, 0);
  if (!m.dedupe_key.empty()) {
    const auto r = db->run("SELECT id FROM outbox WHERE dedupe_key = $1", m.dedupe_key);
    if (!r.empty()) return r.integer(0, 0);
  }
  const auto r = db->run("SELECT id FROM outbox WHERE coalesce_key = $1 AND status = 'pending' ORDER BY id LIMIT 1",
                         m.coalesce_key);
  return r.empty() ? 0 : r.integer(0, 0);
}

// Inside a batch: a message whose dedupe_key is already queued (or comes earlier in the batch),
// or whose coalesce_key has a pending row (or an earlier message in the batch), is left out.
void backend::queue_outbox(pipeline& statements, std::span<const outbox_message> messages, time_point now) {
  if (messages.empty()) return;
  std::set<std::string_view> coalesced;  // a statement does not see its own rows: earlier ones are checked here
  array_literal platforms, kinds, addresses, contents, dedupe_keys, coalesce_keys, due;
  for (const auto& m : messages) {
    if (!m.coalesce_key.empty() && !coalesced.insert(m.coalesce_key).second) continue;
    platforms.add(domain::platform_id(m.on));
    kinds.add(outbox_kind_id(m.kind));
    addresses.add(m.address);
    contents.add(m.content);
    dedupe_keys.add_or_null(m.dedupe_key);
    coalesce_keys.add_or_null(m.coalesce_key);
    due.add(to_ms(m.next_attempt_at));
  }
  statements.add("INSERT INTO outbox (platform, kind, address, content, dedupe_key, coalesce_key, status, attempts, "
                 "next_attempt_at, created_at, updated_at) "
                 "SELECT r.platform, r.kind, r.address, r.content, r.dedupe_key, r.coalesce_key, 'pending', 0, "
                 "r.due, $8, $8 "
                 "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[]) "
                 "  WITH ORDINALITY AS r(platform, kind, address, content, dedupe_key, coalesce_key, due, n) "
                 "WHERE r.coalesce_key IS NULL OR NOT EXISTS "
                 "  (SELECT 1 FROM outbox o WHERE o.coalesce_key = r.coalesce_key AND o.status = 'pending') "
                 "ORDER BY r.n "
                 "ON CONFLICT (dedupe_key) DO NOTHING",
                 platforms.str(), kinds.str(), addresses.str(), contents.str(), dedupe_keys.str(),
                 coalesce_keys.str(), due.str(), to_ms(now));
}

std::vector<outbox_message> backend::claim_due(time_point now, time_point lease_until, std::size_t limit) {
  if (limit == 0) return {};
  // Claim tokens are random, so replicas never hand out the same one; each row gets its own.
  thread_local std::mt19937_64 tokens{std::random_device{}()};
  const auto base = static_cast<std::int64_t>(tokens() >> 2) + 1;
  auto db = pool_.acquire();
  // Due pending rows first, then "sending" rows whose lease ran out (their sender died), each an
  // index range scan on (status, next_attempt_at). SKIP LOCKED: rows another replica is claiming
  // at this moment are left to it, not waited for, and never claimed twice.
  const auto r = db->run(
      "WITH pending AS (SELECT id, 0 AS expired, next_attempt_at AS due FROM outbox "
      "  WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED), "
      "lapsed AS (SELECT id, 1 AS expired, next_attempt_at AS due FROM outbox "
      "  WHERE status = 'sending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED), "
      "chosen AS (SELECT id, expired, due, row_number() OVER (ORDER BY expired, due, id) AS n "
      "  FROM (SELECT * FROM pending UNION ALL SELECT * FROM lapsed) due_rows ORDER BY expired, due, id LIMIT $3) "
      "UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, next_attempt_at = $2, updated_at = $1, "
      "  claim = $4::bigint + chosen.n "
      "FROM chosen WHERE o.id = chosen.id "
      "RETURNING o.id, o.platform, o.kind, o.address, o.content, COALESCE(o.dedupe_key, ''), o.status, o.attempts, "
      "  o.next_attempt_at, o.last_error, o.claim, chosen.n",
      to_ms(now), to_ms(lease_until), static_cast<std::int64_t>(limit), base);
  std::vector<std::pair<std::int64_t, outbox_message>> claimed;
  claimed.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) claimed.emplace_back(r.integer(i, 11), read_outbox(r, i));
  std::sort(claimed.begin(), claimed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<outbox_message> out;
  out.reserve(claimed.size());
  for (auto& [order, m] : claimed) out.push_back(std::move(m));
  return out;
}

// Outcomes apply only to a row still being sent under the caller's claim (see store.hpp).
bool backend::mark_sent(std::int64_t id, std::int64_t claim, time_point at) {
  auto db = pool_.acquire();
  return db->run("UPDATE outbox SET status = 'sent', updated_at = $1, last_error = '' "
                 "WHERE id = $2 AND claim = $3 AND status = 'sending'",
                 to_ms(at), id, claim)
             .affected() > 0;
}

bool backend::reschedule(std::int64_t id, std::int64_t claim, time_point next_attempt_at, std::string_view error) {
  auto db = pool_.acquire();
  return db->run("UPDATE outbox SET status = 'pending', next_attempt_at = $1, last_error = $2, updated_at = $1 "
                 "WHERE id = $3 AND claim = $4 AND status = 'sending'",
                 to_ms(next_attempt_at), error, id, claim)
             .affected() > 0;
}

bool backend::mark_dead(std::int64_t id, std::int64_t claim, std::string_view error, time_point at) {
  auto db = pool_.acquire();
  return db->run("UPDATE outbox SET status = 'dead', last_error = $1, updated_at = $2 "
                 "WHERE id = $3 AND claim = $4 AND status = 'sending'",
                 error, to_ms(at), id, claim)
             .affected() > 0;
}

void backend::forget_dedupe_key(std::int64_t id) {
  auto db = pool_.acquire();
  db->run("UPDATE outbox SET dedupe_key = NULL WHERE id = $1 AND status = 'dead'", id);
}

bool backend::holds_dedupe_key(std::string_view dedupe_key) {
  auto db = pool_.acquire();
  return !db->run("SELECT 1 FROM outbox WHERE dedupe_key = $1 LIMIT 1", dedupe_key).empty();
}

bool backend::release(std::int64_t id, std::int64_t claim, time_point next_attempt_at) {
  auto db = pool_.acquire();
  return db->run("UPDATE outbox SET status = 'pending', attempts = GREATEST(attempts - 1, 0), next_attempt_at = $1 "
                 "WHERE id = $2 AND claim = $3 AND status = 'sending'",
                 to_ms(next_attempt_at), id, claim)
             .affected() > 0;
}

// Replicas share the outbox: a claim whose lease still runs may be a live replica's, so only
// claims whose lease ran out are made pending (they were due to be claimed again anyway). The
// attempt counted at claim is kept, as on SQLite.
std::size_t backend::release_all_claims(time_point now) {
  auto db = pool_.acquire();
  return static_cast<std::size_t>(
      db->run("UPDATE outbox SET status = 'pending' WHERE status = 'sending' AND next_attempt_at <= $1", to_ms(now))
          .affected());
}

std::optional<outbox_message> backend::find_outbox(std::int64_t id) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT " SMREL_PG_OUTBOX_COLUMNS " FROM outbox WHERE id = $1", id);
  if (r.empty()) return std::nullopt;
  return read_outbox(r, 0);
}

// Counted on each call: other replicas change the outbox too, so a count kept in this process
// would drift. An index-only count over (status, next_attempt_at) of unfinished rows.
std::size_t backend::outbox_depth() {
  auto db = pool_.acquire();
  return static_cast<std::size_t>(
      db->run("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").integer(0, 0));
}

std::size_t backend::drop_outbox_rows(domain::platform on, std::string_view holding) {
  auto db = pool_.acquire();
  return static_cast<std::size_t>(
      db->run("DELETE FROM outbox WHERE platform = $1 AND strpos(content, $2) > 0", domain::platform_id(on), holding)
          .affected());
}

std::size_t backend::prune_outbox(time_point sent_before, time_point dead_before) {
  // Finished rows without a dedupe key only (a key must keep guarding), in small batches.
  std::size_t deleted = 0;
  for (const auto& [status, before] : {std::pair{"sent", sent_before}, std::pair{"dead", dead_before}}) {
    for (;;) {
      auto db = pool_.acquire();
      const auto n = static_cast<std::size_t>(
          db->run("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE dedupe_key IS NULL AND status = $1 "
                  "AND updated_at < $2 LIMIT $3)",
                  status, to_ms(before), static_cast<std::int64_t>(prune_batch_rows))
              .affected());
      deleted += n;
      if (n < prune_batch_rows) break;
    }
  }
  return deleted;
}

// Send pacing (see send_pace.hpp): the buckets every replica takes its turns from. The rows are
// locked in key order (ON CONFLICT DO UPDATE locks the row it returns), so two replicas taking
// turns from overlapping buckets queue behind each other instead of deadlocking.
namespace {

std::vector<const send_pace*> in_key_order(std::span<const send_pace> paces) {
  std::vector<const send_pace*> out;
  out.reserve(paces.size());
  for (const auto& pace : paces) out.push_back(&pace);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->key < b->key; });
  out.erase(std::unique(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->key == b->key; }), out.end());
  return out;
}

}  // namespace

time_point backend::take_send_turn(std::span<const send_pace> paces, time_point now, time_point latest) {
  const auto buckets = in_key_order(paces);
  const auto at = pacing::to_micros(now);
  auto db = pool_.acquire();
  transaction tx(*db);
  std::vector<pacing::micros> arrivals;
  arrivals.reserve(buckets.size());
  pacing::micros ready = at;
  for (const auto* pace : buckets) {
    const auto r = db->run("INSERT INTO send_paces (bucket, arrival_us) VALUES ($1, 0) "
                           "ON CONFLICT (bucket) DO UPDATE SET arrival_us = send_paces.arrival_us RETURNING arrival_us",
                           pace->key);
    arrivals.push_back(r.integer(0, 0));
    ready = std::max(ready, pacing::ready_at(arrivals.back(), *pace));
  }
  if (ready > pacing::to_micros(latest)) return pacing::from_micros(ready);  // rolled back: nothing changed
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    db->run("UPDATE send_paces SET arrival_us = $2 WHERE bucket = $1", buckets[i]->key,
            pacing::after_turn(arrivals[i], ready, *buckets[i]));
  }
  tx.commit();
  return ready <= at ? now : pacing::from_micros(ready);
}

void backend::pause_sends(std::span<const send_pace> paces, time_point until) {
  auto db = pool_.acquire();
  transaction tx(*db);
  for (const auto* pace : in_key_order(paces)) {
    db->run("INSERT INTO send_paces (bucket, arrival_us) VALUES ($1, $2) "
            "ON CONFLICT (bucket) DO UPDATE SET arrival_us = GREATEST(send_paces.arrival_us, excluded.arrival_us)",
            pace->key, pacing::paused_until(0, pacing::to_micros(until), *pace));
  }
  tx.commit();
}

std::size_t backend::prune_send_paces(time_point idle_before) {
  auto db = pool_.acquire();
  return static_cast<std::size_t>(
      db->run("DELETE FROM send_paces WHERE arrival_us < $1", pacing::to_micros(idle_before)).affected());
}

}  // namespace smrel::storage::postgres
