#pragma once
// Clicks on answer buttons: whether to store them. A click counts only on the clicking person's
// own delivery, while the pulse is open, for a statement or follow-up it asked, and from someone
// who has not opted out. The cached path decides from memory alone, for the click bursts of
// Monday morning; anything it does not hold goes to storage.
#include <cstdint>
#include <optional>

#include "bot/domain/inbound.hpp"
#include "bot/domain/message.hpp"
#include "bot/engine/bot_core.hpp"
#include "bot/engine/pulses.hpp"
#include "bot/storage/store.hpp"

namespace smrel::engine {

/// What to do with a click on an answer button: commit `answer` or `follow_up` (and later show
/// the updated pulse), or, with neither, tell the user `refusal`.
struct answer_decision {
  std::optional<storage::new_answer> answer;
  std::optional<storage::follow_up_answer> follow_up;
  std::int64_t pulse_id = 0;  // the pulse answered, to show it again
  /// The click came from the person's weekly DM (not a pulse they asked for): the DM is shown
  /// again as a DM, with its footer.
  bool in_weekly_dm = false;
  domain::message refusal;
  /// The workspace's people_version the decision was made on: commit it only while it holds.
  std::int64_t people_version = 0;

  bool accepted() const { return answer || follow_up; }
};

class answer_desk {
 public:
  answer_desk(bot_core& core, pulses& weekly) : core_(core), pulses_(weekly) {}

  /// Checks a click against the clicking user's own delivery, the pulse's dates and the values.
  answer_decision on_answer_click(const domain::button_click& click);
  /// The same without touching storage; nullopt when something needed is not cached yet.
  std::optional<answer_decision> on_answer_click_cached(const domain::button_click& click);

 private:
  struct click_facts {
    std::optional<storage::pulse> pulse;
    std::optional<known_member> member;
    std::optional<storage::delivery> delivery;
    std::optional<storage::issued_nudge> nudge;  // for a follow-up
  };
  answer_decision decide(const domain::button_click& click, scoring::locale lang, const click_facts& facts);

  bot_core& core_;
  pulses& pulses_;
};

}  // namespace smrel::engine
