#pragma once
// The SQLite store, declared once and defined by area: sqlite_store.cpp (opening, readiness,
// members and people), pulses.cpp (pulses, deliveries, releases, nudges), answers.cpp (answers,
// batches, events), outbox.cpp, runs.cpp (scheduled runs, installations). Internal to the
// backend; open_sqlite_store is its only way out.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bot/storage/sqlite/connection.hpp"
#include "bot/storage/sqlite/database_file.hpp"
#include "bot/storage/sqlite/sqlite_store.hpp"
#include "bot/storage/store.hpp"

namespace smrel::storage::sqlite {

// Rows deleted per pruning transaction: a few milliseconds of write lock each.
constexpr std::size_t prune_batch_rows = 2'000;

class backend final : public store {
 public:
  backend(const std::string& path, const sqlite_options& options);

  int migrate() override;
  int schema_version() override;
  int latest_schema_version() const override;
  bool ping() override;
  readiness check_ready() override;
  bool single_process() const override;

  member upsert_member(const domain::member_key& key, scoring::locale locale, time_point now) override;
  std::optional<member> find_member(const domain::member_key& key) override;
  std::optional<member> find_member(std::int64_t id) override;
  std::vector<member> members(const domain::workspace_ref& workspace) override;
  std::vector<domain::workspace_ref> workspaces() override;
  void set_group(const domain::member_key& key, std::string_view pseudonym, scoring::group group) override;
  void set_locale(const domain::member_key& key, scoring::locale locale) override;
  void set_opted_out(const domain::member_key& key, bool opted_out) override;
  void remove_workspace(const domain::workspace_ref& workspace, time_point at) override;
  std::size_t erase_removed_workspaces(time_point before) override;
  void mark_unreachable(const domain::member_key& key, std::int64_t pulse_id, time_point at) override;
  std::vector<member> take_people_to_look_up(domain::platform on, time_point due_at_or_before, time_point now,
                                             std::size_t limit) override;
  void set_looked_up_at(const domain::member_key& key, time_point at) override;
  void set_person_kind(const domain::member_key& key, std::string_view pseudonym, domain::person_kind kind) override;
  void forget(const domain::member_key& key, std::string_view pseudonym) override;
  std::int64_t people_version(const domain::workspace_ref& workspace) override;

  pulse open_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, time_point opened_at,
                   time_point closes_at) override;
  std::optional<pulse> find_pulse(std::int64_t id) override;
  std::optional<pulse> find_pulse(const domain::workspace_ref& workspace, scoring::iso_week week) override;
  delivery record_delivery(std::int64_t pulse_id, std::int64_t member_id, const scoring::pulse_block& items,
                           time_point at) override;
  void set_delivery_message(std::int64_t delivery_id, const domain::message_ref& sent) override;
  std::optional<delivery> find_delivery(std::int64_t pulse_id, std::int64_t member_id) override;
  response_count pulse_response(std::int64_t pulse_id) override;
  std::vector<member_delivery> sent_deliveries(std::int64_t pulse_id) override;

  std::optional<domain::conversation_ref> find_direct_conversation(const domain::member_key& key) override;
  void remember_direct_conversation(const domain::member_key& key, const domain::conversation_ref& conversation) override;
  void forget_direct_conversation(const domain::member_key& key) override;

  std::optional<installation> find_installation(const domain::workspace_ref& workspace) override;
  void set_digest_target(const domain::workspace_ref& workspace, const domain::conversation_ref& target,
                         time_point at) override;
  void set_admins(const domain::workspace_ref& workspace, const std::vector<std::string>& users, time_point at) override;

  bool run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week) override;
  bool try_claim_run(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week,
                     std::string_view owner, time_point now, time_point lease_until) override;
  bool commit_run(const write_batch& batch, const domain::workspace_ref& workspace, std::string_view kind,
                  scoring::iso_week week, time_point at) override;

  void store_answers(std::span<const new_answer> answers) override;
  void commit(const write_batch& batch, time_point now) override;
  std::vector<answer_record> answers(const domain::workspace_ref& workspace, scoring::iso_week from,
                                     scoring::iso_week to) override;
  std::vector<answer_record> answers_by(std::string_view pseudonym, std::int64_t pulse_id) override;
  std::size_t answer_count() override;

  bool record_event(std::string_view event_id, time_point received_at) override;
  std::size_t prune_events(std::string_view prefix, time_point cutoff) override;
  std::vector<std::string> recent_events(std::string_view prefix, time_point since) override;

  bool save_release(const release_record& release) override;
  std::vector<release_record> releases(const domain::workspace_ref& workspace, scoring::iso_week from,
                                       scoring::iso_week to) override;
  std::optional<scoring::iso_week> latest_release(const domain::workspace_ref& workspace) override;
  std::optional<scoring::iso_week> first_answer_week(const domain::workspace_ref& workspace) override;
  void prune_release_people(const domain::workspace_ref& workspace, scoring::iso_week before) override;

  std::int64_t record_nudge(const issued_nudge& nudge) override;
  std::vector<issued_nudge> nudges_since(const domain::workspace_ref& workspace, scoring::iso_week from) override;
  std::vector<std::uint8_t> follow_up_values(std::int64_t nudge) override;
  std::optional<std::uint8_t> follow_up_value(std::int64_t nudge, std::string_view pseudonym) override;

  std::int64_t enqueue(const outbox_message& message, time_point now) override;
  std::vector<outbox_message> claim_due(time_point now, time_point lease_until, std::size_t limit) override;
  bool mark_sent(std::int64_t id, std::int64_t claim, time_point at) override;
  bool reschedule(std::int64_t id, std::int64_t claim, time_point next_attempt_at, std::string_view error) override;
  bool mark_dead(std::int64_t id, std::int64_t claim, std::string_view error, time_point at) override;
  bool release(std::int64_t id, std::int64_t claim, time_point next_attempt_at) override;
  void forget_dedupe_key(std::int64_t id) override;
  bool holds_dedupe_key(std::string_view dedupe_key) override;
  std::size_t release_all_claims(time_point now) override;
  std::optional<outbox_message> find_outbox(std::int64_t id) override;
  std::size_t outbox_depth() override;
  std::size_t prune_outbox(time_point sent_before, time_point dead_before) override;
  std::size_t drop_outbox_rows(domain::platform on, std::string_view holding) override;
  time_point take_send_turn(std::span<const send_pace> paces, time_point now, time_point latest) override;
  void pause_sends(std::span<const send_pace> paces, time_point until) override;
  std::size_t prune_send_paces(time_point idle_before) override;

 private:
  // Helpers named *_locked run on the connection given (or db_) with its mutex held by the caller.
  int current_version();
  std::optional<member> find_member_locked(connection& db, const domain::member_key& key);
  void bump_people_version_locked(const domain::workspace_ref& workspace);
  void forget_direct_conversation_locked(const domain::member_key& key);
  std::optional<pulse> find_pulse_locked(connection& db, const domain::workspace_ref& workspace, scoring::iso_week week);
  std::optional<delivery> find_delivery_locked(connection& db, std::int64_t pulse_id, std::int64_t member_id);
  std::optional<scoring::iso_week> workspace_week(const char* sql, const domain::workspace_ref& workspace);
  // The batch's rows, inside the caller's transaction on db_; returns how many outbox rows it added.
  std::int64_t write_locked(const write_batch& batch, time_point now);
  void insert_answer_locked(const new_answer& a);
  bool insert_outbox_locked(const outbox_message& m, time_point now);
  std::int64_t next_claim();
  bool any_due(time_point now);
  void count_outbox_depth();
  // One stat() per commit: cheap next to the fsync, and it stops acknowledging writes that went
  // into a file nobody will ever open again.
  void ensure_same_file() const { sqlite::ensure_same_file(path_, identity_); }

  const std::string path_;
  const sqlite_options options_;
  const file_identity identity_;  // of the file opened, set before SQLite opens it
  std::mutex mutex_;
  connection db_;  // durable commits: answers, members, pulses, outbox rows as they are queued
  // Reads on their own connection: in WAL mode they see every committed write and never wait for
  // the writer, so a commit busy-waiting on a foreign lock holds up no reader.
  std::mutex read_mutex_;
  connection read_db_;
  // Outbox bookkeeping (claims, sent, retries) on its own connection without fsync: it no longer
  // waits behind answer commits, and a machine crash can at worst make a message go out again,
  // which at-least-once delivery allows.
  std::mutex outbox_mutex_;
  std::mt19937_64 claim_tokens_{std::random_device{}()};  // under outbox_mutex_
  connection outbox_db_;
  // Readiness probes: their short busy wait and real write never hold up the other connections.
  std::mutex probe_mutex_;
  connection probe_db_;
  // Pending plus sending rows, counted at open and then kept as rows change, so a metrics scrape
  // costs no query (see outbox.cpp for how often it is counted again).
  std::shared_ptr<shared_depth> outbox_depth_;
};

}  // namespace smrel::storage::sqlite
