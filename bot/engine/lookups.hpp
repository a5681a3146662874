#pragma once
// Read-through caches for what the hot paths (clicks, status) look up on every request: members
// (dropped whenever the bot changes one), pulses and deliveries (never change once written), and
// the follow-ups a week's pulse asks (dropped whenever a digest issues nudges).
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/storage/store.hpp"

namespace smrel::engine {

/// A member as known, with the workspace's people_version read just before: a write decided on
/// it stands only while that version does (write_batch::people_unchanged), so a change made by
/// another process since (an opt-out, an erasure) is never overlooked.
struct known_member {
  storage::member member;
  std::int64_t people_version = 0;
};

class lookups {
 public:
  explicit lookups(storage::store& store) : store_(store), shared_(!store.single_process()) {}

  /// Where replicas share the store, a remembered member counts only while the workspace's
  /// people_version is still the one it was read under (one row read), so an opt-out, an erasure
  /// or a language change made by another replica shows on this one's very next request.
  std::optional<storage::member> member(const domain::member_key& key);
  std::optional<known_member> member_as_known(const domain::member_key& key);
  /// Call after every write to this member (group, language, opt-out, forget).
  void forget_member(const domain::member_key& key);
  /// The workspace's people changed elsewhere: every member of it is read afresh.
  void forget_people(const domain::workspace_ref& workspace);
  std::optional<storage::pulse> pulse(std::int64_t id);
  std::optional<storage::delivery> delivery(std::int64_t pulse_id, std::int64_t member_id);
  void remember(const storage::delivery& d);
  /// Nudges whose follow-up statement is asked in this week's pulse of the workspace, each nudge
  /// once, and only those the catalogue still has.
  std::vector<storage::issued_nudge> follow_ups(const domain::workspace_ref& workspace, scoring::iso_week week);
  /// Call after nudges were issued.
  void forget_follow_ups();

  // The same, from memory only: nullopt when it is not cached (the caller then goes to storage).
  // A member from memory may be stale where replicas share the store: only a write guarded by
  // its people_version may be decided on it.
  std::optional<known_member> cached_member(const domain::member_key& key);
  std::optional<storage::pulse> cached_pulse(std::int64_t id);
  std::optional<storage::delivery> cached_delivery(std::int64_t pulse_id, std::int64_t member_id);
  std::optional<std::vector<storage::issued_nudge>> cached_follow_ups(const domain::workspace_ref& workspace,
                                                                       scoring::iso_week week);

 private:
  // Bounded: past this many entries a map starts over rather than growing without limit.
  static constexpr std::size_t max_entries = 200'000;
  static std::string key_of(const domain::workspace_ref& workspace);
  static std::string key_of(const domain::member_key& key);
  static std::string key_of(const domain::workspace_ref& workspace, scoring::iso_week week);

  storage::store& store_;
  const bool shared_;  // other processes write to the store too
  std::mutex mutex_;
  std::map<std::string, known_member> members_;
  std::map<std::int64_t, storage::pulse> pulses_;
  std::map<std::pair<std::int64_t, std::int64_t>, storage::delivery> deliveries_;
  std::map<std::string, std::vector<storage::issued_nudge>> follow_ups_;
};

}  // namespace smrel::engine
