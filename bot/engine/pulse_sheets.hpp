#pragma once
// What each person has answered in a pulse, kept in memory once read, and updated by every commit
// this process makes, in commit order: the pulse shown after a click (Teams answers a click with
// the card itself) then needs no read. Only for a store no other process writes answers to
// (store::single_process); with replicas sharing the database, a sheet could miss an answer one
// of them stored, so there the pulse is always read afresh.
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bot/storage/store.hpp"

namespace smrel::engine {

/// An answer as a pulse shows it: which statement, which value (1…5 or scoring::dont_know).
struct given_answer {
  std::uint8_t item = 0;
  std::uint8_t value = 0;
  bool operator==(const given_answer&) const = default;
};

/// One person's answers in one pulse: its statements, and the follow-ups it asks.
struct pulse_sheet {
  std::vector<given_answer> answers;  // ordered by item
  std::vector<std::pair<std::int64_t, std::optional<std::uint8_t>>> follow_ups;  // nudge → value given
};

class pulse_sheets {
 public:
  /// A load under way: it may only be kept if nothing was committed for its sheet meanwhile.
  struct ticket {
    std::uint64_t generation = 0;
  };

  explicit pulse_sheets(bool enabled) : enabled_(enabled) {}

  std::optional<pulse_sheet> find(std::string_view pseudonym, std::int64_t pulse_id) const;
  /// Call before reading a sheet from storage (none kept, or one to replace), then `loaded` with
  /// what was read: a commit for the same person in between spoils the ticket (the read may
  /// predate it), and the sheet is not kept.
  ticket loading(std::string_view pseudonym, std::int64_t pulse_id);
  void loaded(std::string_view pseudonym, std::int64_t pulse_id, ticket t, pulse_sheet sheet);
  /// What a committed write batch stored; call in commit order.
  void committed(std::span<const storage::new_answer> answers, std::span<const storage::follow_up_answer> follow_ups);
  /// A person's answers were erased, or facts about people changed elsewhere: read afresh.
  void forget(std::string_view pseudonym);
  void clear();

  std::size_t size() const;

 private:
  // Bounded like lookups: past this many people the map starts over.
  static constexpr std::size_t max_people = 200'000;
  struct entry {
    std::int64_t pulse_id = 0;
    std::uint64_t generation = 0;  // changes with every commit while a load is under way
    bool ready = false;            // false: a placeholder for a load under way
    pulse_sheet sheet;
  };
  template <class People>
  static auto* entry_in(People& people, std::string_view pseudonym, std::int64_t pulse_id);

  const bool enabled_;
  mutable std::mutex mutex_;
  std::uint64_t generations_ = 0;
  struct text_hash {  // finds a pseudonym by string_view, without a copy per lookup
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, std::vector<entry>, text_hash, std::equal_to<>> people_;  // by pseudonym
};

}  // namespace smrel::engine
