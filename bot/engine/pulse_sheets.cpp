#include "bot/engine/pulse_sheets.hpp"

#include <algorithm>

namespace smrel::engine {
namespace {

void apply(pulse_sheet& sheet, const storage::new_answer& a) {
  auto& answers = sheet.answers;
  const auto at = std::lower_bound(answers.begin(), answers.end(), a.item,
                                   [](const given_answer& g, std::uint8_t item) { return g.item < item; });
  if (at != answers.end() && at->item == a.item) {
    at->value = a.value;
  } else {
    answers.insert(at, given_answer{a.item, a.value});
  }
}

}  // namespace

template <class People>
auto* pulse_sheets::entry_in(People& people, std::string_view pseudonym, std::int64_t pulse_id) {
  const auto person = people.find(pseudonym);
  decltype(&person->second.front()) found = nullptr;
  if (person == people.end()) return found;
  for (auto& e : person->second) {
    if (e.pulse_id == pulse_id) found = &e;
  }
  return found;
}

std::optional<pulse_sheet> pulse_sheets::find(std::string_view pseudonym, std::int64_t pulse_id) const {
  if (!enabled_) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto* e = entry_in(people_, pseudonym, pulse_id);
  if (!e || !e->ready) return std::nullopt;
  return e->sheet;
}

pulse_sheets::ticket pulse_sheets::loading(std::string_view pseudonym, std::int64_t pulse_id) {
  if (!enabled_) return {};
  std::lock_guard lock(mutex_);
  if (auto* e = entry_in(people_, pseudonym, pulse_id)) {
    // Read again (it lacks a follow-up asked since): shown from storage until the read is in.
    e->ready = false;
    e->generation = ++generations_;
    return {e->generation};
  }
  if (people_.size() >= max_people) people_.clear();
  const auto generation = ++generations_;
  people_[std::string(pseudonym)].push_back(entry{pulse_id, generation, false, {}});
  return {generation};
}

void pulse_sheets::loaded(std::string_view pseudonym, std::int64_t pulse_id, ticket t, pulse_sheet sheet) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  auto* e = entry_in(people_, pseudonym, pulse_id);
  // Gone (forgotten, or the map started over), spoilt by a commit, or kept by another load.
  if (!e || e->ready || e->generation != t.generation) return;
  e->sheet = std::move(sheet);
  e->ready = true;
}

void pulse_sheets::committed(std::span<const storage::new_answer> answers,
                             std::span<const storage::follow_up_answer> follow_ups) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  for (const auto& a : answers) {
    auto* e = entry_in(people_, a.pseudonym, a.pulse_id);
    if (!e) continue;
    if (e->ready) {
      apply(e->sheet, a);
    } else {
      e->generation = ++generations_;
    }
  }
  for (const auto& f : follow_ups) {
    const auto person = people_.find(f.pseudonym);
    if (person == people_.end()) continue;
    for (auto& e : person->second) {
      if (!e.ready) {
        e.generation = ++generations_;
        continue;
      }
      for (auto& [nudge, given] : e.sheet.follow_ups) {
        if (nudge == f.nudge) given = f.value;
      }
    }
  }
}

void pulse_sheets::forget(std::string_view pseudonym) {
  std::lock_guard lock(mutex_);
  if (const auto person = people_.find(pseudonym); person != people_.end()) people_.erase(person);
}

void pulse_sheets::clear() {
  std::lock_guard lock(mutex_);
  people_.clear();
}

std::size_t pulse_sheets::size() const {
  std::lock_guard lock(mutex_);
  return people_.size();
}

}  // namespace smrel::engine
