#include "bot/engine/lookups.hpp"

#include <algorithm>

#include "bot/engine/summary.hpp"
#include "scoring/nudges.hpp"

namespace smrel::engine {
namespace {

// From memory only.
template <class Map, class Key>
std::optional<typename Map::mapped_type> find_in(std::mutex& mutex, const Map& map, const Key& key) {
  std::lock_guard lock(mutex);
  const auto it = map.find(key);
  return it == map.end() ? std::nullopt : std::optional(it->second);
}

template <class Map, class Key, class Value>
void put_in(std::mutex& mutex, Map& map, const Key& key, Value value, std::size_t max_entries) {
  std::lock_guard lock(mutex);
  if (map.size() >= max_entries) map.clear();  // bounded: start over rather than grow without limit
  map.insert_or_assign(key, std::move(value));
}

// From memory, else from storage (remembered when found). Storage is read outside the lock.
template <class Map, class Key, class Load>
std::optional<typename Map::mapped_type> read_through(std::mutex& mutex, Map& map, const Key& key, std::size_t max_entries,
                                                      Load load) {
  if (auto hit = find_in(mutex, map, key)) return hit;
  std::optional<typename Map::mapped_type> found = load();
  if (found) put_in(mutex, map, key, *found, max_entries);
  return found;
}

}  // namespace

std::string lookups::key_of(const domain::workspace_ref& workspace) {
  return std::string(domain::platform_id(workspace.on)) + '\x1f' + workspace.id + '\x1f';
}

std::string lookups::key_of(const domain::member_key& key) { return key_of(key.workspace) + key.user; }

std::optional<known_member> lookups::member_as_known(const domain::member_key& key) {
  if (shared_) {
    if (const auto hit = find_in(mutex_, members_, key_of(key))) {
      if (store_.people_version(key.workspace) == hit->people_version) return hit;
      forget_people(key.workspace);  // changed elsewhere: whoever of them is asked for is read again
    }
  }
  return read_through(mutex_, members_, key_of(key), max_entries, [&]() -> std::optional<known_member> {
    // The version first: should the member change in between, the version is older than what
    // was read, and a write decided on it is refused rather than wrongly accepted.
    const auto version = store_.people_version(key.workspace);
    auto found = store_.find_member(key);
    if (!found) return std::nullopt;
    return known_member{std::move(*found), version};
  });
}

std::optional<storage::member> lookups::member(const domain::member_key& key) {
  auto known = member_as_known(key);
  if (!known) return std::nullopt;
  return std::move(known->member);
}

void lookups::forget_member(const domain::member_key& key) {
  std::lock_guard lock(mutex_);
  members_.erase(key_of(key));
}

void lookups::forget_people(const domain::workspace_ref& workspace) {
  const auto prefix = key_of(workspace);
  std::lock_guard lock(mutex_);
  for (auto it = members_.lower_bound(prefix); it != members_.end() && it->first.starts_with(prefix);) it = members_.erase(it);
}

std::optional<storage::pulse> lookups::pulse(std::int64_t id) {
  return read_through(mutex_, pulses_, id, max_entries, [&] { return store_.find_pulse(id); });
}

std::optional<storage::delivery> lookups::delivery(std::int64_t pulse_id, std::int64_t member_id) {
  return read_through(mutex_, deliveries_, std::pair{pulse_id, member_id}, max_entries,
                      [&] { return store_.find_delivery(pulse_id, member_id); });
}

void lookups::remember(const storage::delivery& d) {
  put_in(mutex_, deliveries_, std::pair{d.pulse_id, d.member_id}, d, max_entries);
}

std::string lookups::key_of(const domain::workspace_ref& workspace, scoring::iso_week week) {
  return key_of(workspace) + week.to_string();
}

std::vector<storage::issued_nudge> lookups::follow_ups(const domain::workspace_ref& workspace, scoring::iso_week week) {
  return *read_through(mutex_, follow_ups_, key_of(workspace, week), max_entries, [&] {
    // Looks back further than the delay, with room to spare should the delay ever change.
    // Kept as the pulse asks them, worked out once rather than on every click: nudges the
    // catalogue still has, each once (the same nudge issued in two weeks asks the same thing).
    std::vector<storage::issued_nudge> asked;
    for (auto& n : store_.nudges_since(workspace, week - (follow_up_delay_weeks + 4))) {
      if (n.follow_up_week != week || !scoring::find_nudge(n.nudge_id)) continue;
      if (std::any_of(asked.begin(), asked.end(), [&](const auto& o) { return o.nudge_id == n.nudge_id; })) continue;
      asked.push_back(std::move(n));
    }
    return std::optional(std::move(asked));
  });
}

void lookups::forget_follow_ups() {
  std::lock_guard lock(mutex_);
  follow_ups_.clear();
}

std::optional<known_member> lookups::cached_member(const domain::member_key& key) {
  return find_in(mutex_, members_, key_of(key));
}

std::optional<storage::pulse> lookups::cached_pulse(std::int64_t id) { return find_in(mutex_, pulses_, id); }

std::optional<storage::delivery> lookups::cached_delivery(std::int64_t pulse_id, std::int64_t member_id) {
  return find_in(mutex_, deliveries_, std::pair{pulse_id, member_id});
}

std::optional<std::vector<storage::issued_nudge>> lookups::cached_follow_ups(const domain::workspace_ref& workspace,
                                                                              scoring::iso_week week) {
  return find_in(mutex_, follow_ups_, key_of(workspace, week));
}

}  // namespace smrel::engine
