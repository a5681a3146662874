#pragma once
// The storage interface. Backend-neutral on purpose: no SQL types cross it, so the SQLite
// (embedded, default) and PostgreSQL (shared, several replicas) backends are interchangeable.
// Every write is durable when the call returns.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bot/domain/clock.hpp"
#include "bot/domain/conversation.hpp"
#include "bot/domain/ids.hpp"
#include "bot/domain/person_facts.hpp"
#include "bot/storage/send_pace.hpp"
#include "scoring/instrument.hpp"
#include "scoring/iso_week.hpp"
#include "scoring/rotation.hpp"

namespace smrel::storage {

using domain::time_point;

/// What kind of failure a store_error is, so callers decide without parsing messages. The same
/// kinds for every backend; what() says which particular cause it was (for logs and /readyz).
enum class store_failure : std::uint8_t {
  transient,    // a lock was busy past our bounded wait (another writer): the same write may succeed soon
  conflict,     // the data written broke a rule (range, foreign key, uniqueness)
  unavailable,  // the database cannot take writes now: disk full, I/O error, read-only, cannot
                // open, or the file was removed or replaced under us
  corrupt,      // the database is damaged or is not a database
  other,
};

/// Storage failed. The message never contains secrets.
class store_error : public std::runtime_error {
 public:
  explicit store_error(const std::string& what, store_failure kind = store_failure::other)
      : std::runtime_error(what), kind_(kind) {}
  explicit store_error(const char* what, store_failure kind = store_failure::other)
      : std::runtime_error(what), kind_(kind) {}

  store_failure kind() const noexcept { return kind_; }
  /// The database's state failed the write, not the data in it: any other write now fails the
  /// same way, so retrying parts of it is pointless (and costs another wait).
  bool about_the_database() const noexcept {
    return kind_ == store_failure::transient || kind_ == store_failure::unavailable || kind_ == store_failure::corrupt;
  }
  /// Trying the same write again shortly may succeed (the others need an operator, or other data).
  bool retryable() const noexcept { return kind_ == store_failure::transient; }

 private:
  store_failure kind_;
};

/// A write decided on what was known of a workspace's people (members, groups, opt-outs,
/// erasures, languages) that changed since, possibly in another process: nothing was written;
/// decide again on fresh facts. Kind `conflict`.
class stale_decision : public store_error {
 public:
  stale_decision() : store_error("the people it was decided on changed since", store_failure::conflict) {}
};

/// A batch whose seen-event key was recorded before (a replay, handled by this or another
/// process): nothing was written. Kind `conflict`.
class already_seen : public store_error {
 public:
  already_seen() : store_error("an event handled before", store_failure::conflict) {}
};

/// Whether a write could be committed now, and if not, why (safe to show to operators).
struct readiness {
  bool ready = false;
  std::string reason;
};

struct member {
  std::int64_t id = 0;
  domain::member_key key;
  scoring::group group = scoring::group::other;
  scoring::locale locale = scoring::locale::en;
  bool opted_out = false;
  time_point joined_at;
  /// The platform said this person does not exist or is deactivated: not asked until they act
  /// again (join, a command), which clears it.
  bool unreachable = false;
  /// What the platform says they are: only a `person` is asked and counted (a guest or a bot is
  /// not). `person` until looked up.
  domain::person_kind kind = domain::person_kind::person;
  /// When the platform was last asked about them (see take_people_to_look_up); nullopt: never.
  std::optional<time_point> looked_up_at;
};

struct pulse {
  std::int64_t id = 0;
  domain::workspace_ref workspace;
  scoring::iso_week week;
  time_point opened_at;
  time_point closes_at;
};

/// What one member was asked in one pulse, and where the message went (to update it later).
struct delivery {
  std::int64_t id = 0;
  std::int64_t pulse_id = 0;
  std::int64_t member_id = 0;
  scoring::pulse_block items{};
  std::uint8_t instrument = scoring::instrument_version;  // whose wording the statements were sent in
  time_point delivered_at;
  /// The message as sent, to replace it later; empty until set_delivery_message. Its
  /// conversation's platform is always the pulse's.
  domain::message_ref sent;
};

/// An answer to store. The respondent is a pseudonym, never a chat user id.
struct new_answer {
  domain::workspace_ref workspace;
  std::int64_t pulse_id = 0;
  std::string pseudonym;
  scoring::iso_week week;
  std::uint8_t item = 0;
  std::uint8_t value = 0;  // 1…5 or scoring::dont_know
  time_point answered_at;
  std::uint8_t instrument = scoring::instrument_version;  // the wording answered (the delivery's)
};

/// A stored answer as scoring reads it, with the respondent's current group.
struct answer_record {
  scoring::iso_week week;
  std::string pseudonym;
  scoring::group group = scoring::group::other;
  std::uint8_t item = 0;
  std::uint8_t value = 0;  // 1…5 or scoring::dont_know
  std::int64_t pulse_id = 0;
  time_point answered_at;
  std::uint8_t instrument = scoring::instrument_version;
};

struct issued_nudge {
  std::int64_t id = 0;
  domain::workspace_ref workspace;
  std::string nudge_id;
  scoring::iso_week week;
  std::string why;
  time_point issued_at;
  std::optional<scoring::iso_week> follow_up_week;  // when to ask its follow-up statement
};

/// A week's published figures, frozen when its pulse closed (see engine/releases.hpp). Both
/// texts are the engine's; storage keeps them as they are.
struct release_record {
  domain::workspace_ref workspace;
  scoring::iso_week week;
  time_point released_at;
  std::string figures;
  std::string people;  // empty once pruned
};

enum class outbox_status : std::uint8_t { pending, sending, sent, dead };

/// What an outbox row asks the platform's plug to do. Storage keeps it and hands it back; only
/// the plug knows what each means on its platform.
enum class outbox_kind : std::uint8_t {
  reply,         // answer in the place a command or click came from
  replace,       // replace a message sent earlier
  post,          // post into a conversation
  pulse_dm,      // a pulse, sent as a direct message
  pulse_update,  // a pulse message shown again with the latest answers
  home,          // a person's home view
  verbatim,      // the platform's own request, stored before outbox rows were neutral
};

/// The kind's name as stored; every backend stores the same names.
inline std::string_view outbox_kind_id(outbox_kind kind) {
  switch (kind) {
    case outbox_kind::reply: return "reply";
    case outbox_kind::replace: return "replace";
    case outbox_kind::post: return "post";
    case outbox_kind::pulse_dm: return "pulse_dm";
    case outbox_kind::pulse_update: return "pulse_update";
    case outbox_kind::home: return "home";
    case outbox_kind::verbatim: return "verbatim";
  }
  return "post";
}

inline std::optional<outbox_kind> parse_outbox_kind(std::string_view id) {
  for (const auto kind : {outbox_kind::reply, outbox_kind::replace, outbox_kind::post, outbox_kind::pulse_dm,
                          outbox_kind::pulse_update, outbox_kind::home, outbox_kind::verbatim}) {
    if (outbox_kind_id(kind) == id) return kind;
  }
  return std::nullopt;
}

/// An outbound platform call, stored before it is attempted so nothing is lost on a crash.
/// Neutral: the service encodes what to send and the platform's plug where it goes; storage
/// reads neither.
struct outbox_message {
  std::int64_t id = 0;
  domain::platform on = domain::platform::slack;
  outbox_kind kind = outbox_kind::post;
  /// Where it goes, encoded by the platform's plug (a reply address, a conversation, a user);
  /// also the rate-limit key.
  std::string address;
  /// What to send, encoded by the service (a neutral message, or a reference rendered at send
  /// time). `verbatim`: the platform's own request, stored before this version (its address
  /// then holds the old method and target, for the plug to decode).
  std::string content;
  /// The same key is enqueued once, for as long as its row is kept. Empty: no deduplication, and
  /// the row may be pruned once sent (see prune_outbox); rows with a key are never pruned, so the
  /// key keeps guarding against a second send.
  std::string dedupe_key;
  outbox_status status = outbox_status::pending;
  int attempts = 0;
  time_point next_attempt_at;
  std::string last_error;
  /// Non-empty: not enqueued while a pending (not yet claimed) row with the same key exists, e.g.
  /// an update rendered when it is sent, where one queued row already shows the latest state.
  std::string coalesce_key;
  /// Set by claim_due: the token of this claim. Outcomes name it, so a sender whose lease ran out
  /// and whose message another sender claimed since cannot record an outcome for it.
  std::int64_t claim = 0;
};

/// An answer to a nudge's follow-up statement, asked in a later pulse. Pseudonymous like answers;
/// a later answer from the same respondent replaces the earlier one.
struct follow_up_answer {
  std::int64_t nudge = 0;  // issued_nudge::id
  std::string pseudonym;
  std::uint8_t value = 0;
  time_point answered_at;
};

/// A workspace's own settings, replacing global ones: where its digest goes and who may run admin
/// commands.
struct installation {
  domain::workspace_ref workspace;
  domain::conversation_ref digest_target;  // empty: none chosen; its platform is the workspace's
  std::vector<std::string> admins;         // chat user ids, as given
  time_point updated_at;
  /// When the app was removed from the workspace (uninstalled, its token revoked); nullopt while
  /// it is installed. See remove_workspace.
  std::optional<time_point> removed_at;
};

/// Writes that must land together: a person's answers and the message that confirms them.
struct write_batch {
  std::vector<new_answer> answers;
  std::vector<follow_up_answer> follow_ups;
  std::vector<outbox_message> outbox;
  /// Inbound event / idempotency keys handled by this batch, recorded with it (see recent_events).
  /// A key recorded before fails the batch with already_seen: a replay sent to another process is
  /// caught too.
  std::vector<std::string> seen_events;
  /// The batch stands only while each workspace's people_version is still the one it was decided
  /// on; otherwise commit writes nothing and throws stale_decision. This is how a cache that
  /// knew a member before an opt-out or an erasure elsewhere cannot store their answer.
  struct people_as_of {
    domain::workspace_ref workspace;
    std::int64_t version = 0;
  };
  std::vector<people_as_of> people_unchanged;
};

class store {
 public:
  virtual ~store() = default;

  /// Applies pending schema migrations; returns how many were applied.
  virtual int migrate() = 0;
  virtual int schema_version() = 0;
  virtual int latest_schema_version() const = 0;
  /// Cheap round trip that reads; says nothing about whether a write would succeed.
  virtual bool ping() = 0;
  /// Whether a write can be committed now: the database is still the file opened, a write lock
  /// can be had within a short wait, a real write commits, and there is disk space left for it.
  /// Takes at most a few hundred milliseconds; never throws.
  virtual readiness check_ready() = 0;
  /// Whether one process alone uses the database, so that at start-up every outbox claim is a
  /// dead sender's and release_all_claims is safe. Shared backends (several replicas) say false:
  /// a claim may be another live replica's, and only its lease frees it.
  virtual bool single_process() const = 0;

  // Members. `upsert_member` creates the member or returns the existing one, reachable again
  /// (whoever acts through the platform exists there), otherwise unchanged.
  virtual member upsert_member(const domain::member_key& key, scoring::locale locale, time_point now) = 0;
  virtual std::optional<member> find_member(const domain::member_key& key) = 0;
  virtual std::optional<member> find_member(std::int64_t id) = 0;
  virtual std::vector<member> members(const domain::workspace_ref& workspace) = 0;
  /// Every workspace with members, answers or an installation.
  virtual std::vector<domain::workspace_ref> workspaces() = 0;
  /// Sets the member's group and the group their pseudonymous answers count in, atomically.
  virtual void set_group(const domain::member_key& key, std::string_view pseudonym, scoring::group group) = 0;
  virtual void set_locale(const domain::member_key& key, scoring::locale locale) = 0;
  virtual void set_opted_out(const domain::member_key& key, bool opted_out) = 0;
  /// The platform cannot reach the member (deactivated, gone): marked unreachable, and their
  /// delivery of `pulse_id` no longer counts as asked. No-op for an unknown member.
  virtual void mark_unreachable(const domain::member_key& key, std::int64_t pulse_id, time_point at) = 0;
  /// Up to `limit` members of the platform due a look-up (never looked up, or last at or before
  /// `due_at_or_before`), oldest look-up first, reachable and in installed workspaces. Each is
  /// marked looked up at `now` in the same transaction, so no other process takes them too; the
  /// members returned carry the look-up time they had before.
  virtual std::vector<member> take_people_to_look_up(domain::platform on, time_point due_at_or_before, time_point now,
                                                     std::size_t limit) = 0;
  /// When the member was last looked up (a failed look-up sets an earlier time, to be due sooner).
  virtual void set_looked_up_at(const domain::member_key& key, time_point at) = 0;
  /// What the platform says the member is. A guest, an external or a bot is not asked, and every
  /// answer under their pseudonym (follow-ups too) is erased in the same transaction: kept aside,
  /// a mark on so few pseudonyms would link them to their people. A change moves people_version.
  /// No-op for an unknown member.
  virtual void set_person_kind(const domain::member_key& key, std::string_view pseudonym, domain::person_kind kind) = 0;
  /// Erases the member, their deliveries, their direct conversation and every answer (follow-ups
  /// too) under their pseudonym.
  virtual void forget(const domain::member_key& key, std::string_view pseudonym) = 0;
  /// Grows, in the same transaction, with every change to who is asked and how their answers
  /// count: a member created, a group, language or opt-out set, a member forgotten. A cache in
  /// another process compares it to know it is stale. 0 before the first change; one row read.
  virtual std::int64_t people_version(const domain::workspace_ref& workspace) = 0;

  // Pulses and deliveries; both are idempotent per (workspace, week) and (pulse, member).
  virtual pulse open_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, time_point opened_at,
                           time_point closes_at) = 0;
  virtual std::optional<pulse> find_pulse(std::int64_t id) = 0;
  virtual std::optional<pulse> find_pulse(const domain::workspace_ref& workspace, scoring::iso_week week) = 0;
  virtual delivery record_delivery(std::int64_t pulse_id, std::int64_t member_id, const scoring::pulse_block& items,
                                   time_point at) = 0;
  /// Remembers the message a delivery was sent as (its conversation's platform is the pulse's).
  virtual void set_delivery_message(std::int64_t delivery_id, const domain::message_ref& sent) = 0;
  virtual std::optional<delivery> find_delivery(std::int64_t pulse_id, std::int64_t member_id) = 0;
  /// A delivery and the member it went to.
  struct member_delivery {
    domain::member_key who;
    delivery sent;
  };
  /// The pulse's deliveries whose message went out (`sent` set) to members still asked (not
  /// opted out, reachable, a person), in member order: whom a reminder or the closing update concerns.
  virtual std::vector<member_delivery> sent_deliveries(std::int64_t pulse_id) = 0;
  struct response_count {
    int asked = 0;     // deliveries to people (not guests or bots), less those that could not reach them
    int answered = 0;  // distinct respondents with at least one answer
  };
  virtual response_count pulse_response(std::int64_t pulse_id) = 0;

  // Direct conversations, remembered so each person's is opened once (opening one is
  // rate-limited far below posting). Remembering again replaces the address.
  virtual std::optional<domain::conversation_ref> find_direct_conversation(const domain::member_key& key) = 0;
  virtual void remember_direct_conversation(const domain::member_key& key, const domain::conversation_ref& conversation) = 0;
  virtual void forget_direct_conversation(const domain::member_key& key) = 0;

  // Installations: per workspace settings.
  virtual std::optional<installation> find_installation(const domain::workspace_ref& workspace) = 0;
  /// Creates the installation when missing. An empty target clears it.
  virtual void set_digest_target(const domain::workspace_ref& workspace, const domain::conversation_ref& target,
                                 time_point at) = 0;
  /// Creates the installation when missing; replaces the admins (empty: none).
  /// The app was removed from the workspace: everything that names a person goes at once (its
  /// members with their deliveries, their direct conversations, its admins and digest target),
  /// and what is pseudonymous (answers, pulses, releases, nudges) stays until
  /// erase_removed_workspaces. Keeps the first removal time when called again; someone joining
  /// again (upsert_member) makes the workspace installed again.
  virtual void remove_workspace(const domain::workspace_ref& workspace, time_point at) = 0;
  /// Erases every trace of workspaces removed before `before`; returns how many.
  virtual std::size_t erase_removed_workspaces(time_point before) = 0;
  virtual void set_admins(const domain::workspace_ref& workspace, const std::vector<std::string>& users,
                          time_point at) = 0;

  // Scheduled work (a week's pulse, a week's digest): claimed by one process, then done once.
  virtual bool run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week) = 0;
  /// True when `owner` now holds the run until `lease_until`: it is not done, and it was
  /// unclaimed, claimed by `owner` already (the lease is extended) or its lease ran out (at or
  /// before `now`). Atomic, also between processes on one database: of two owners asking, one wins.
  virtual bool try_claim_run(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week,
                             std::string_view owner, time_point now, time_point lease_until) = 0;
  /// Commits `batch` and marks the run done in one transaction, unless the run is done already:
  /// then nothing is written and it returns false. Two processes that both found the run due
  /// queue its messages once.
  virtual bool commit_run(const write_batch& batch, const domain::workspace_ref& workspace, std::string_view kind,
                          scoring::iso_week week, time_point at) = 0;

  // Answers. A later answer to the same statement in the same pulse replaces the earlier one.
  /// Stores all answers in one transaction; durable on return (group commit builds on this).
  /// Throws store_error, with a kind, when it cannot; waits for a foreign write lock only briefly.
  virtual void store_answers(std::span<const new_answer> answers) = 0;
  /// Commits answers, follow-up answers, outbox messages and seen event keys in one transaction;
  /// durable on return. Throws store_error (kind transient within ~1.5 s under a foreign write
  /// lock, unavailable when the database file was removed or replaced) and then nothing was stored.
  virtual void commit(const write_batch& batch, time_point now) = 0;
  /// Answers with from ≤ week ≤ to, in week then arrival order.
  virtual std::vector<answer_record> answers(const domain::workspace_ref& workspace, scoring::iso_week from,
                                             scoring::iso_week to) = 0;
  virtual std::vector<answer_record> answers_by(std::string_view pseudonym, std::int64_t pulse_id) = 0;
  virtual std::size_t answer_count() = 0;

  // Inbound platform events, remembered so retries are handled once (across restarts too).
  /// Records the event id; false when it was already recorded (a retry or duplicate).
  virtual bool record_event(std::string_view event_id, time_point received_at) = 0;
  /// Forgets event ids starting with `prefix` (empty: any) received before `cutoff`; returns how
  /// many. Deletes in small batches, so writers never wait long behind it.
  virtual std::size_t prune_events(std::string_view prefix, time_point cutoff) = 0;
  /// Event ids (recorded by record_event or write_batch::seen_events) starting with `prefix` and
  /// received at or after `since`, oldest first: to reload a replay guard at start-up.
  virtual std::vector<std::string> recent_events(std::string_view prefix, time_point since) = 0;

  // Nudges issued to a workspace; the same nudge in the same week is recorded once (its id returned).
  // Releases. The first release of a week wins: saving it again changes nothing and returns false.
  virtual bool save_release(const release_record& release) = 0;
  /// Releases of weeks from `from` to `to`, oldest first.
  virtual std::vector<release_record> releases(const domain::workspace_ref& workspace, scoring::iso_week from,
                                               scoring::iso_week to) = 0;
  virtual std::optional<scoring::iso_week> latest_release(const domain::workspace_ref& workspace) = 0;
  /// The week of the workspace's earliest stored answer.
  virtual std::optional<scoring::iso_week> first_answer_week(const domain::workspace_ref& workspace) = 0;
  /// Drops the people tokens of releases before `week` (no later release compares with them).
  virtual void prune_release_people(const domain::workspace_ref& workspace, scoring::iso_week before) = 0;

  virtual std::int64_t record_nudge(const issued_nudge& nudge) = 0;
  virtual std::vector<issued_nudge> nudges_since(const domain::workspace_ref& workspace, scoring::iso_week from) = 0;
  /// Every value given to a nudge's follow-up statement (one per respondent).
  virtual std::vector<std::uint8_t> follow_up_values(std::int64_t nudge) = 0;
  /// What this respondent answered to a nudge's follow-up, if anything.
  virtual std::optional<std::uint8_t> follow_up_value(std::int64_t nudge, std::string_view pseudonym) = 0;

  // Outbox.
  /// Returns the id; a message whose dedupe_key is already queued is not added again (the existing
  /// row's id is returned), nor one whose coalesce_key has a pending row (that row's id).
  virtual std::int64_t enqueue(const outbox_message& message, time_point now) = 0;
  /// Marks up to `limit` due messages as sending until `lease_until`, and returns them. A message
  /// whose lease ran out (the sender died) is due again.
  virtual std::vector<outbox_message> claim_due(time_point now, time_point lease_until, std::size_t limit) = 0;
  // A claim's outcome. Each applies only while `claim` still holds the message (it is being sent
  // under that claim) and returns false, changing nothing, when it does not: its lease ran out
  // and another sender claimed it, or claims were released at start-up.
  virtual bool mark_sent(std::int64_t id, std::int64_t claim, time_point at) = 0;
  virtual bool reschedule(std::int64_t id, std::int64_t claim, time_point next_attempt_at, std::string_view error) = 0;
  virtual bool mark_dead(std::int64_t id, std::int64_t claim, std::string_view error, time_point at) = 0;
  /// Puts a claimed message back without counting the attempt (e.g. our own rate limit).
  virtual bool release(std::int64_t id, std::int64_t claim, time_point next_attempt_at) = 0;
  /// A dead message's dedupe key stops guarding, so the same message may be queued again (say, a
  /// digest once the bot was invited to the channel it could not post into). Live rows keep it.
  virtual void forget_dedupe_key(std::int64_t id) = 0;
  /// Whether a message with this dedupe key is queued, on its way or was sent (and is not yet
  /// pruned): a second request for it would be dropped. A dead row's key counts until forgotten.
  virtual bool holds_dedupe_key(std::string_view dedupe_key) = 0;
  /// Makes every claimed message due now. Only when single_process(), at start-up, when no
  /// sender can still hold a claim; returns how many were released. The attempt counted at claim
  /// is kept: a message that crashes its sender every time still reaches the attempt limit.
  virtual std::size_t release_all_claims(time_point now) = 0;
  virtual std::optional<outbox_message> find_outbox(std::int64_t id) = 0;
  /// Messages not yet sent or dead. Kept in memory: cheap enough for every metrics scrape.
  virtual std::size_t outbox_depth() = 0;
  /// Deletes sent messages last updated before `sent_before` and dead ones before `dead_before`,
  /// only those without a dedupe_key (a key must keep guarding against a second send); returns
  /// how many were deleted.
  virtual std::size_t prune_outbox(time_point sent_before, time_point dead_before) = 0;
  /// Deletes the platform's rows, in any state, whose content holds `holding` (the service knows
  /// what marks a workspace's rows: a removed workspace's people must not stay in the outbox);
  /// returns how many.
  virtual std::size_t drop_outbox_rows(domain::platform on, std::string_view holding) = 0;

  // Send pacing shared by every process on this database (see send_pace.hpp). Its times are real
  // time (the platform's seconds), not the business clock.
  /// Returns the earliest instant at or after `now` when every bucket in `paces` has a turn. If
  /// that is no later than `latest`, the turn is taken from each (reserved, when it is still
  /// ahead: the next asker's turn comes after it); otherwise nothing is taken.
  virtual time_point take_send_turn(std::span<const send_pace> paces, time_point now, time_point latest) = 0;
  /// A turn now or not at all.
  time_point take_send_turn(std::span<const send_pace> paces, time_point now) {
    return take_send_turn(paces, now, now);
  }
  /// No turn from these buckets before `until` (a platform's Retry-After).
  virtual void pause_sends(std::span<const send_pace> paces, time_point until) = 0;
  /// Deletes buckets with nothing owed since `idle_before` (a fresh bucket is the same); returns
  /// how many.
  virtual std::size_t prune_send_paces(time_point idle_before) = 0;
};

/// How to open a store, beyond its URL. Settings a backend has no use for are ignored.
struct open_options {
  /// PostgreSQL: connections kept open to the server, at most (config `database_pool_size`).
  std::size_t pool_size = 4;
};

/// Opens the store named by a URL: `sqlite:PATH`, or `postgres://…` / `postgresql://…` (any libpq
/// connection URI). Throws store_error with a clear message when it cannot; the message never
/// contains the URL (it may hold a password).
std::unique_ptr<store> open_store(std::string_view url, const open_options& options = {});

}  // namespace smrel::storage
