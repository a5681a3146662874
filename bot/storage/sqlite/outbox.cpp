// The outbox: rows queued with the writes that caused them, claimed by senders under a lease and
// a claim token, finished as sent or dead, and pruned. Bookkeeping after the enqueue runs on its
// own connection (see backend.hpp).
#include <algorithm>
#include <utility>

#include "bot/storage/sqlite/backend.hpp"
#include "bot/storage/sqlite/rows.hpp"

namespace smrel::storage::sqlite {

using namespace rows;

namespace {

// Another process may change the outbox too (a second server while one restarts, a test): every
// this-many reads the depth is counted again, so its cost per metrics scrape stays a fraction of
// a COUNT and any drift is bounded.
constexpr std::uint64_t depth_recount_every = 32;

}  // namespace

std::int64_t backend::enqueue(const outbox_message& m, time_point now) {
  std::lock_guard lock(mutex_);
  if (insert_outbox_locked(m, now)) {
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

// A message whose dedupe_key is already queued, or whose coalesce_key has a pending row, is left
// out; returns whether a row was added. One statement per message.
bool backend::insert_outbox_locked(const outbox_message& m, time_point now) {
  auto s = db_.prepare(
      "INSERT INTO outbox (platform, kind, address, content, dedupe_key, coalesce_key, status, attempts, "
      "next_attempt_at, created_at, updated_at) "
      "SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?8 "
      "WHERE ?6 IS NULL OR NOT EXISTS (SELECT 1 FROM outbox WHERE coalesce_key = ?6 AND status = 'pending') "
      "ON CONFLICT (dedupe_key) DO NOTHING");
  s.bind(1, domain::platform_id(m.on)).bind(2, outbox_kind_id(m.kind)).bind(3, m.address).bind(4, m.content);
  bind_or_null(s, 5, m.dedupe_key);
  bind_or_null(s, 6, m.coalesce_key);
  s.bind(7, to_ms(m.next_attempt_at)).bind(8, to_ms(now));
  s.run();
  return db_.changes() > 0;
}

std::vector<outbox_message> backend::claim_due(time_point now, time_point lease_until, std::size_t limit) {
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
        "SELECT id, platform, kind, address, content, dedupe_key, status, attempts, next_attempt_at, last_error, "
        "claim FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
    s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit));
    while (s.step()) out.push_back(read_outbox(s));
  }
  if (out.size() < limit) {
    auto s = outbox_db_.prepare(
        "SELECT id, platform, kind, address, content, dedupe_key, status, attempts, next_attempt_at, last_error, "
        "claim FROM outbox WHERE status = 'sending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
    s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit - out.size()));
    while (s.step()) out.push_back(read_outbox(s));
  }
  for (auto& m : out) {
    m.claim = next_claim();
    outbox_db_
        .prepare("UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?, updated_at = ?, "
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
std::int64_t backend::next_claim() {
  std::int64_t token = 0;
  while (token == 0) token = static_cast<std::int64_t>(claim_tokens_() >> 1);
  return token;
}

bool backend::any_due(time_point now) {
  auto s = outbox_db_.prepare("SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1) "
                              "OR EXISTS (SELECT 1 FROM outbox WHERE status = 'sending' AND next_attempt_at <= ?1)");
  s.bind(1, to_ms(now));
  return s.step() && s.integer(0) != 0;
}

// Outcomes apply only to a row still being sent under the caller's claim (see store.hpp).
bool backend::mark_sent(std::int64_t id, std::int64_t claim, time_point at) {
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

bool backend::reschedule(std::int64_t id, std::int64_t claim, time_point next_attempt_at, std::string_view error) {
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

bool backend::mark_dead(std::int64_t id, std::int64_t claim, std::string_view error, time_point at) {
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

void backend::forget_dedupe_key(std::int64_t id) {
  std::lock_guard lock(outbox_mutex_);
  outbox_db_.prepare("UPDATE outbox SET dedupe_key = NULL WHERE id = ? AND status = 'dead'").bind(1, id).run();
}

bool backend::holds_dedupe_key(std::string_view dedupe_key) {
  std::lock_guard lock(outbox_mutex_);
  auto s = outbox_db_.prepare("SELECT 1 FROM outbox WHERE dedupe_key = ? LIMIT 1");
  s.bind(1, dedupe_key);
  return s.step();
}

bool backend::release(std::int64_t id, std::int64_t claim, time_point next_attempt_at) {
  std::lock_guard lock(outbox_mutex_);
  outbox_db_.prepare("UPDATE outbox SET status = 'pending', attempts = MAX(attempts - 1, 0), next_attempt_at = ? "
                     "WHERE id = ? AND claim = ? AND status = 'sending'")
      .bind(1, to_ms(next_attempt_at))
      .bind(2, id)
      .bind(3, claim)
      .run();
  return outbox_db_.changes() > 0;
}

std::size_t backend::release_all_claims(time_point now) {
  std::lock_guard lock(outbox_mutex_);
  // attempts stays as claim_due counted it: a message that kills its sender is not retried forever.
  outbox_db_.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = MIN(next_attempt_at, ?) WHERE status = 'sending'")
      .bind(1, to_ms(now))
      .run();
  return static_cast<std::size_t>(outbox_db_.changes());
}

std::optional<outbox_message> backend::find_outbox(std::int64_t id) {
  std::lock_guard lock(outbox_mutex_);
  auto s = outbox_db_.prepare("SELECT id, platform, kind, address, content, dedupe_key, status, attempts, next_attempt_at, "
                              "last_error, claim FROM outbox WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_outbox(s);
}

std::size_t backend::outbox_depth() {
  if (++outbox_depth_->reads % depth_recount_every == 0) {
    try {
      count_outbox_depth();
    } catch (const store_error&) {
      // Keep the kept count; the next recount may succeed.
    }
  }
  return static_cast<std::size_t>(std::max<std::int64_t>(outbox_depth_->rows.load(), 0));
}

// Once at open and after migrations; from then on the depth is kept as rows change.
void backend::count_outbox_depth() {
  std::lock_guard lock(read_mutex_);
  auto exists = read_db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'");
  if (!exists.step()) return;
  auto s = read_db_.prepare("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");
  s.step();
  outbox_depth_->rows = s.integer(0);
}

std::size_t backend::drop_outbox_rows(domain::platform on, std::string_view holding) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("DELETE FROM outbox WHERE platform = ? AND instr(content, ?) > 0")
        .bind(1, domain::platform_id(on))
        .bind(2, holding)
        .run();
    dropped = static_cast<std::size_t>(outbox_db_.changes());
  }
  if (dropped > 0) count_outbox_depth();  // pending rows may be among them
  return dropped;
}

std::size_t backend::prune_outbox(time_point sent_before, time_point dead_before) {
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

// Send pacing (see send_pace.hpp). One process uses a SQLite database, so these rows only agree
// with the sender's own limiter; they are here so both backends keep the same contract.
time_point backend::take_send_turn(std::span<const send_pace> paces, time_point now, time_point latest) {
  std::lock_guard lock(outbox_mutex_);
  transaction tx(outbox_db_);
  const auto at = pacing::to_micros(now);
  std::vector<pacing::micros> arrivals;
  arrivals.reserve(paces.size());
  pacing::micros ready = at;
  for (const auto& pace : paces) {
    auto s = outbox_db_.prepare("SELECT arrival_us FROM send_paces WHERE bucket = ?");
    s.bind(1, pace.key);
    arrivals.push_back(s.step() ? s.integer(0) : 0);
    ready = std::max(ready, pacing::ready_at(arrivals.back(), pace));
  }
  if (ready > pacing::to_micros(latest)) return pacing::from_micros(ready);
  for (std::size_t i = 0; i < paces.size(); ++i) {
    outbox_db_.prepare("INSERT INTO send_paces (bucket, arrival_us) VALUES (?, ?) "
                       "ON CONFLICT (bucket) DO UPDATE SET arrival_us = excluded.arrival_us")
        .bind(1, paces[i].key)
        .bind(2, pacing::after_turn(arrivals[i], ready, paces[i]))
        .run();
  }
  tx.commit();
  return ready <= at ? now : pacing::from_micros(ready);
}

void backend::pause_sends(std::span<const send_pace> paces, time_point until) {
  std::lock_guard lock(outbox_mutex_);
  transaction tx(outbox_db_);
  for (const auto& pace : paces) {
    outbox_db_.prepare("INSERT INTO send_paces (bucket, arrival_us) VALUES (?, ?) "
                       "ON CONFLICT (bucket) DO UPDATE SET arrival_us = MAX(arrival_us, excluded.arrival_us)")
        .bind(1, pace.key)
        .bind(2, pacing::paused_until(0, pacing::to_micros(until), pace))
        .run();
  }
  tx.commit();
}

std::size_t backend::prune_send_paces(time_point idle_before) {
  std::lock_guard lock(outbox_mutex_);
  outbox_db_.prepare("DELETE FROM send_paces WHERE arrival_us < ?").bind(1, pacing::to_micros(idle_before)).run();
  return static_cast<std::size_t>(outbox_db_.changes());
}

}  // namespace smrel::storage::sqlite
