// Answers and follow-up answers, the write batches that carry them (group commit), and the
// inbound event ids remembered beside them.
#include <map>
#include <tuple>

#include "bot/storage/postgres/array_literal.hpp"
#include "bot/storage/postgres/backend.hpp"
#include "bot/storage/postgres/rows.hpp"

namespace smrel::storage::postgres {

using namespace rows;

void backend::store_answers(std::span<const new_answer> answers) {
  if (answers.empty()) return;
  auto db = pool_.acquire();
  pipeline statements(*db);
  queue_answers(statements, answers);
  statements.run();
}

void backend::commit(const write_batch& batch, time_point now) {
  if (batch.answers.empty() && batch.follow_ups.empty() && batch.outbox.empty() && batch.seen_events.empty() &&
      batch.people_unchanged.empty()) {
    return;
  }
  auto db = pool_.acquire();
  // Two round trips whatever the batch holds: its statements (BEGIN first) in one pipeline, then
  // COMMIT once their answers were checked. Each round trip is a wait on a busy server's
  // scheduler, and the group commit cannot take the next group until this one is durable.
  pipeline statements(*db);
  transaction tx(*db, statements);
  write_batch_on(statements, batch, now);
  tx.commit();
}

void backend::write_batch_on(pipeline& statements, const write_batch& batch, time_point now) {
  struct expectation {
    std::size_t statement;
    std::int64_t version;
  };
  std::vector<expectation> people_checks;
  for (std::size_t i = 0; i < batch.people_unchanged.size(); ++i) {
    const auto& expected = batch.people_unchanged[i];
    // A group commit repeats the same expectation once per click: each is checked once.
    if (i > 0 && expected.workspace == batch.people_unchanged[i - 1].workspace &&
        expected.version == batch.people_unchanged[i - 1].version) {
      continue;
    }
    // SQLite's single writer makes "check, then write" atomic; here the version row is share-
    // locked until commit, so a change to the people (which updates that row) either committed
    // before and is seen, or waits until this batch is in. A workspace never changed has no row
    // to lock: one is made, at version 0, which a concurrent first change then waits behind.
    // The writes are queued behind the check and run before its answer is read; a stale batch
    // is rolled back, never committed.
    if (expected.version == 0) {
      statements.add("INSERT INTO workspace_versions (platform, workspace, people) VALUES ($1, $2, 0) "
                     "ON CONFLICT (platform, workspace) DO NOTHING",
                     domain::platform_id(expected.workspace.on), expected.workspace.id);
    }
    people_checks.push_back(
        {statements.add("SELECT people FROM workspace_versions WHERE platform = $1 AND workspace = $2 FOR SHARE",
                        domain::platform_id(expected.workspace.on), expected.workspace.id),
         expected.version});
  }
  queue_answers(statements, batch.answers);
  for (const auto& f : batch.follow_ups) {
    if (!scoring::is_answer_value(f.value)) throw store_error("follow-up answer out of range", store_failure::conflict);
    statements.add("INSERT INTO follow_up_answers (nudge, pseudonym, value, answered_at) VALUES ($1, $2, $3, $4) "
                   "ON CONFLICT (nudge, pseudonym) DO UPDATE SET value = excluded.value, "
                   "answered_at = excluded.answered_at",
                   f.nudge, f.pseudonym, static_cast<int>(f.value), to_ms(f.answered_at));
  }
  queue_outbox(statements, batch.outbox, now);
  std::vector<std::size_t> event_inserts;
  for (const auto& key : batch.seen_events) {
    // A second process inserting the same key at the same moment waits for this transaction,
    // then finds the key and fails with already_seen: one of the two wins.
    event_inserts.push_back(statements.add("INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2) "
                                           "ON CONFLICT (event_id) DO NOTHING",
                                           key, to_ms(now)));
  }
  statements.run();
  for (const auto& check : people_checks) {
    const auto& r = statements[check.statement];
    if ((r.empty() ? 0 : r.integer(0, 0)) != check.version) throw stale_decision();
  }
  for (const auto index : event_inserts) {
    if (statements[index].affected() == 0) throw already_seen();
  }
}

void backend::queue_answers(pipeline& statements, std::span<const new_answer> answers) {
  if (answers.empty()) return;
  // ON CONFLICT DO UPDATE may change a row once per statement: of two answers by one person to
  // one statement in the same batch, only the later (commit order) is written, as it would win.
  std::map<std::tuple<std::int64_t, std::string_view, std::uint8_t>, std::size_t> last;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    if (a.item >= scoring::statement_count || !scoring::is_answer_value(a.value) ||
        a.instrument < scoring::first_instrument_version || a.instrument > scoring::instrument_version) {
      throw store_error("answer out of range", store_failure::conflict);
    }
    last[{a.pulse_id, a.pseudonym, a.item}] = i;
  }
  array_literal platforms, workspaces, pulses, pseudonyms, weeks, items, values, times, instruments;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    if (last[{a.pulse_id, a.pseudonym, a.item}] != i) continue;
    platforms.add(domain::platform_id(a.workspace.on));
    workspaces.add(a.workspace.id);
    pulses.add(a.pulse_id);
    pseudonyms.add(a.pseudonym);
    weeks.add(a.week.to_string());
    items.add(std::int64_t{a.item});
    values.add(std::int64_t{a.value});
    times.add(to_ms(a.answered_at));
    instruments.add(std::int64_t{a.instrument});
  }
  statements.add("INSERT INTO answers "
                 "(platform, workspace, pulse_id, pseudonym, week, item, value, answered_at, instrument) "
                 "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[], "
                 "$7::int[], $8::bigint[], $9::int[]) "
                 "AS r(platform, workspace, pulse_id, pseudonym, week, item, value, answered_at, instrument) "
                 // Rows locked in key order: replicas committing at once never wait on each other in a circle.
                 "ORDER BY r.pulse_id, r.pseudonym, r.item "
                 "ON CONFLICT (pulse_id, pseudonym, item) DO UPDATE SET value = excluded.value, "
                 "answered_at = excluded.answered_at, instrument = excluded.instrument",
                 platforms.str(), workspaces.str(), pulses.str(), pseudonyms.str(), weeks.str(), items.str(),
                 values.str(), times.str(), instruments.str());
}

std::vector<answer_record> backend::answers(const domain::workspace_ref& workspace, scoring::iso_week from,
                                            scoring::iso_week to) {
  auto db = pool_.acquire();
  // Respondents without a group row (never joined) count as "other".
  const auto r = db->run(
      "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at, a.instrument "
      "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
      "WHERE a.platform = $1 AND a.workspace = $2 AND a.week BETWEEN $3 AND $4 "
      "ORDER BY a.week, a.answered_at, a.id",
      domain::platform_id(workspace.on), workspace.id, from.to_string(), to.to_string());
  std::vector<answer_record> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_answer(r, i));
  return out;
}

std::vector<answer_record> backend::answers_by(std::string_view pseudonym, std::int64_t pulse_id) {
  auto db = pool_.acquire();
  const auto r = db->run(
      "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at, a.instrument "
      "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
      "WHERE a.pseudonym = $1 AND a.pulse_id = $2 ORDER BY a.item",
      pseudonym, pulse_id);
  std::vector<answer_record> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_answer(r, i));
  return out;
}

std::size_t backend::answer_count() {
  auto db = pool_.acquire();
  return static_cast<std::size_t>(db->run("SELECT COUNT(*) FROM answers").integer(0, 0));
}

std::vector<std::uint8_t> backend::follow_up_values(std::int64_t nudge) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT value FROM follow_up_answers WHERE nudge = $1", nudge);
  std::vector<std::uint8_t> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(static_cast<std::uint8_t>(r.integer(i, 0)));
  return out;
}

std::optional<std::uint8_t> backend::follow_up_value(std::int64_t nudge, std::string_view pseudonym) {
  auto db = pool_.acquire();
  const auto r = db->run("SELECT value FROM follow_up_answers WHERE nudge = $1 AND pseudonym = $2", nudge, pseudonym);
  if (r.empty()) return std::nullopt;
  return static_cast<std::uint8_t>(r.integer(0, 0));
}

// Inbound events.

bool backend::record_event(std::string_view event_id, time_point received_at) {
  auto db = pool_.acquire();
  return db->run("INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
                 event_id, to_ms(received_at))
             .affected() == 1;
}

std::size_t backend::prune_events(std::string_view prefix, time_point cutoff) {
  // In small batches, each its own transaction, as on SQLite: writers never wait long behind it.
  std::size_t deleted = 0;
  for (;;) {
    auto db = pool_.acquire();
    const auto n = static_cast<std::size_t>(
        db->run("DELETE FROM processed_events WHERE event_id IN (SELECT event_id FROM processed_events "
                "WHERE received_at < $1 AND starts_with(event_id, $2) LIMIT $3)",
                to_ms(cutoff), prefix, static_cast<std::int64_t>(prune_batch_rows))
            .affected());
    deleted += n;
    if (n < prune_batch_rows) return deleted;
  }
}

std::vector<std::string> backend::recent_events(std::string_view prefix, time_point since) {
  auto db = pool_.acquire();
  // starts_with() rather than LIKE: the prefix is literal, '%' and '_' included.
  const auto r = db->run("SELECT event_id FROM processed_events WHERE received_at >= $1 AND starts_with(event_id, $2) "
                         "ORDER BY received_at, event_id",
                         to_ms(since), prefix);
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

}  // namespace smrel::storage::postgres
