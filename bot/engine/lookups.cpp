#include "bot/engine/lookups.hpp"

namespace smrel::engine {

std::string lookups::key_of(const domain::member_key& key) {
  return std::string(domain::platform_id(key.workspace.on)) + '\x1f' + key.workspace.id + '\x1f' + key.user;
}

std::optional<storage::member> lookups::member(const domain::member_key& key) {
  const auto k = key_of(key);
  {
    std::lock_guard lock(mutex_);
    if (const auto it = members_.find(k); it != members_.end()) return it->second;
  }
  auto found = store_.find_member(key);
  if (found) {
    std::lock_guard lock(mutex_);
    if (members_.size() >= max_entries) members_.clear();
    members_.insert_or_assign(k, *found);
  }
  return found;
}

void lookups::forget_member(const domain::member_key& key) {
  std::lock_guard lock(mutex_);
  members_.erase(key_of(key));
}

std::optional<storage::pulse> lookups::pulse(std::int64_t id) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = pulses_.find(id); it != pulses_.end()) return it->second;
  }
  auto found = store_.find_pulse(id);
  if (found) {
    std::lock_guard lock(mutex_);
    if (pulses_.size() >= max_entries) pulses_.clear();
    pulses_.insert_or_assign(id, *found);
  }
  return found;
}

std::optional<storage::delivery> lookups::delivery(std::int64_t pulse_id, std::int64_t member_id) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = deliveries_.find({pulse_id, member_id}); it != deliveries_.end()) return it->second;
  }
  auto found = store_.find_delivery(pulse_id, member_id);
  if (found) remember(*found);
  return found;
}

void lookups::remember(const storage::delivery& d) {
  std::lock_guard lock(mutex_);
  if (deliveries_.size() >= max_entries) deliveries_.clear();
  deliveries_.insert_or_assign({d.pulse_id, d.member_id}, d);
}

std::optional<storage::member> lookups::cached_member(const domain::member_key& key) {
  std::lock_guard lock(mutex_);
  const auto it = members_.find(key_of(key));
  return it == members_.end() ? std::nullopt : std::optional(it->second);
}

std::optional<storage::pulse> lookups::cached_pulse(std::int64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = pulses_.find(id);
  return it == pulses_.end() ? std::nullopt : std::optional(it->second);
}

std::optional<storage::delivery> lookups::cached_delivery(std::int64_t pulse_id, std::int64_t member_id) {
  std::lock_guard lock(mutex_);
  const auto it = deliveries_.find({pulse_id, member_id});
  return it == deliveries_.end() ? std::nullopt : std::optional(it->second);
}

}  // namespace smrel::engine
