// Answers and follow-up answers, the write batches that carry them (group commit), and the
// inbound event ids remembered beside them.
#include "bot/storage/sqlite/backend.hpp"
#include "bot/storage/sqlite/rows.hpp"

namespace smrel::storage::sqlite {

using namespace rows;

void backend::store_answers(std::span<const new_answer> answers) {
  if (answers.empty()) return;
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  for (const auto& a : answers) insert_answer_locked(a);
  ensure_same_file();  // last, so the window before COMMIT is as small as it can be
  tx.commit();
}

void backend::commit(const write_batch& batch, time_point now) {
  if (batch.answers.empty() && batch.follow_ups.empty() && batch.outbox.empty() && batch.seen_events.empty() &&
      batch.people_unchanged.empty()) {
    return;
  }
  std::lock_guard lock(mutex_);
  transaction tx(db_);
  const auto queued = write_locked(batch, now);
  ensure_same_file();  // last, so the window before COMMIT is as small as it can be
  tx.commit();
  outbox_depth_->rows += queued;  // only once the rows exist
}

std::int64_t backend::write_locked(const write_batch& batch, time_point now) {
  for (std::size_t i = 0; i < batch.people_unchanged.size(); ++i) {
    const auto& expected = batch.people_unchanged[i];
    // A group commit repeats the same expectation once per click: each is checked once.
    if (i > 0 && expected.workspace == batch.people_unchanged[i - 1].workspace &&
        expected.version == batch.people_unchanged[i - 1].version) {
      continue;
    }
    auto s = db_.prepare("SELECT people FROM workspace_versions WHERE platform = ? AND workspace = ?");
    s.bind(1, domain::platform_id(expected.workspace.on)).bind(2, expected.workspace.id);
    const auto current = s.step() ? s.integer(0) : 0;
    if (current != expected.version) throw stale_decision();
  }
  for (const auto& a : batch.answers) insert_answer_locked(a);
  for (const auto& f : batch.follow_ups) {
    if (!scoring::is_answer_value(f.value)) throw store_error("follow-up answer out of range", store_failure::conflict);
    db_.prepare("INSERT INTO follow_up_answers (nudge, pseudonym, value, answered_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (nudge, pseudonym) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at")
        .bind(1, f.nudge)
        .bind(2, f.pseudonym)
        .bind(3, static_cast<std::int64_t>(f.value))
        .bind(4, to_ms(f.answered_at))
        .run();
  }
  std::int64_t queued = 0;
  for (const auto& m : batch.outbox) queued += insert_outbox_locked(m, now) ? 1 : 0;
  for (const auto& key : batch.seen_events) {
    db_.prepare("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING")
        .bind(1, key)
        .bind(2, to_ms(now))
        .run();
    if (db_.changes() == 0) throw already_seen();
  }
  return queued;
}

void backend::insert_answer_locked(const new_answer& a) {
  if (a.item >= scoring::statement_count || !scoring::is_answer_value(a.value) ||
      a.instrument < scoring::first_instrument_version || a.instrument > scoring::instrument_version) {
    throw store_error("answer out of range", store_failure::conflict);
  }
  db_.prepare("INSERT INTO answers (platform, workspace, pulse_id, pseudonym, week, item, value, answered_at, instrument) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (pulse_id, pseudonym, item) DO UPDATE SET value = excluded.value, "
              "answered_at = excluded.answered_at, instrument = excluded.instrument")
      .bind(1, domain::platform_id(a.workspace.on))
      .bind(2, a.workspace.id)
      .bind(3, a.pulse_id)
      .bind(4, a.pseudonym)
      .bind(5, a.week.to_string())
      .bind(6, static_cast<int>(a.item))
      .bind(7, static_cast<int>(a.value))
      .bind(8, to_ms(a.answered_at))
      .bind(9, static_cast<int>(a.instrument))
      .run();
}

std::vector<answer_record> backend::answers(const domain::workspace_ref& workspace, scoring::iso_week from,
                                            scoring::iso_week to) {
  std::lock_guard lock(read_mutex_);
  // Respondents without a group row (never joined) count as "other".
  auto s = read_db_.prepare(
      "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at, a.instrument "
      "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
      "WHERE a.platform = ? AND a.workspace = ? AND a.week BETWEEN ? AND ? "
      "ORDER BY a.week, a.answered_at, a.id");
  s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string()).bind(4, to.to_string());
  std::vector<answer_record> out;
  while (s.step()) out.push_back(read_answer(s));
  return out;
}

std::vector<answer_record> backend::answers_by(std::string_view pseudonym, std::int64_t pulse_id) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare(
      "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at, a.instrument "
      "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
      "WHERE a.pseudonym = ? AND a.pulse_id = ? ORDER BY a.item");
  s.bind(1, pseudonym).bind(2, pulse_id);
  std::vector<answer_record> out;
  while (s.step()) out.push_back(read_answer(s));
  return out;
}

std::size_t backend::answer_count() {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT COUNT(*) FROM answers");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::vector<std::uint8_t> backend::follow_up_values(std::int64_t nudge) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT value FROM follow_up_answers WHERE nudge = ?");
  s.bind(1, nudge);
  std::vector<std::uint8_t> out;
  while (s.step()) out.push_back(static_cast<std::uint8_t>(s.integer(0)));
  return out;
}

std::optional<std::uint8_t> backend::follow_up_value(std::int64_t nudge, std::string_view pseudonym) {
  std::lock_guard lock(read_mutex_);
  auto s = read_db_.prepare("SELECT value FROM follow_up_answers WHERE nudge = ? AND pseudonym = ?");
  s.bind(1, nudge).bind(2, pseudonym);
  if (!s.step()) return std::nullopt;
  return static_cast<std::uint8_t>(s.integer(0));
}

// Inbound events.

bool backend::record_event(std::string_view event_id, time_point received_at) {
  std::lock_guard lock(mutex_);
  db_.prepare("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING")
      .bind(1, event_id)
      .bind(2, to_ms(received_at))
      .run();
  return db_.changes() == 1;
}

std::size_t backend::prune_events(std::string_view prefix, time_point cutoff) {
  // Clicks record a key each, so an hour's worth can be millions of rows: deleting them in one
  // statement held the commit mutex and the write lock long enough to fail clicks as busy.
  // Small batches, each its own transaction, let commits in between.
  std::size_t deleted = 0;
  for (;;) {
    std::lock_guard lock(mutex_);
    db_.prepare("DELETE FROM processed_events WHERE event_id IN (SELECT event_id FROM processed_events "
                "WHERE received_at < ? AND instr(event_id, ?) = 1 LIMIT ?)")
        .bind(1, to_ms(cutoff))
        .bind(2, prefix.data() ? prefix : std::string_view(""))  // a null view would bind NULL
        .bind(3, static_cast<std::int64_t>(prune_batch_rows))
        .run();
    const auto n = static_cast<std::size_t>(db_.changes());
    deleted += n;
    if (n < prune_batch_rows) return deleted;
  }
}

std::vector<std::string> backend::recent_events(std::string_view prefix, time_point since) {
  std::lock_guard lock(read_mutex_);
  // instr() rather than LIKE: the prefix is literal, '%' and '_' included.
  auto s = read_db_.prepare("SELECT event_id FROM processed_events WHERE received_at >= ? AND instr(event_id, ?) = 1 "
                            "ORDER BY received_at, event_id");
  s.bind(1, to_ms(since));
  s.bind(2, prefix.empty() ? std::string_view("") : prefix);  // an empty view may have no data: NULL to SQLite
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

}  // namespace smrel::storage::sqlite
