#pragma once
// The messages the bot shows, composed once in neutral form (domain::message) in the reader's
// language, naming commands as the reader's platform types them; platform adapters and
// domain::plain_text only render them.
#include <optional>
#include <vector>

#include "bot/domain/message.hpp"
#include "bot/domain/phrasing.hpp"
#include "bot/engine/pulse_sheets.hpp"
#include "bot/engine/summary.hpp"

namespace smrel::engine {

domain::message status_view(const summary& s, scoring::locale lang, const domain::command_phrasing& phrasing);
domain::message digest_view(const summary& s, scoring::locale lang, const domain::command_phrasing& phrasing);
domain::message nudges_view(const summary& s, scoring::locale lang);
/// `min_group_size`: the configured minimum, which the privacy line names.
domain::message help_view(scoring::locale lang, const domain::command_phrasing& phrasing, bool is_admin, int min_group_size);
domain::message notice(std::string text);

/// A nudge's follow-up statement asked in this pulse, and this person's answer so far.
struct follow_up_item {
  std::int64_t nudge = 0;  // storage::issued_nudge::id
  const scoring::nudge* what = nullptr;
  std::optional<std::uint8_t> given;
};

/// One person's pulse: each statement with its five buttons and the answer given so far, then the
/// follow-ups of nudges issued some weeks ago.
struct pulse_state {
  storage::pulse pulse;
  storage::delivery delivery;
  std::vector<given_answer> answers;  // this person's, for this pulse
  bool closed = false;
  std::vector<follow_up_item> follow_ups;
};
/// Every statement and follow-up of the pulse has an answer.
bool all_answered(const pulse_state& state);
domain::message pulse_view(const pulse_state& state, scoring::locale lang);

/// Encodes and decodes the value carried by an answer button: "p<pulse>.<qNN>.<value>" for a
/// statement, "p<pulse>.n<nudge>.<value>" for a follow-up.
std::string answer_button_value(std::int64_t pulse_id, std::uint8_t item, int value);
/// The value without its last digit, the answer (values are single digits): "p<pulse>.<qNN>.".
std::string answer_button_prefix(std::int64_t pulse_id, std::uint8_t item);
std::string follow_up_button_prefix(std::int64_t pulse_id, std::int64_t nudge);
std::string follow_up_button_value(std::int64_t pulse_id, std::int64_t nudge, int value);
struct answer_button {
  std::int64_t pulse_id = 0;
  std::uint8_t item = 0;
  std::int64_t follow_up = 0;  // the nudge id for a follow-up; 0 for a statement
  std::uint8_t value = 0;
};
std::optional<answer_button> parse_answer_button(std::string_view value);

inline constexpr std::string_view answer_action = "answer";
inline constexpr std::string_view forget_action = "forget_confirm";
inline constexpr std::string_view forget_cancel_action = "forget_cancel";
/// Whether the answer to a click takes the place of the message clicked: the erasure question
/// is answered in place; a refusal or a button that is not one of ours gets a note beside it and
/// leaves the message as it was.
constexpr bool answers_in_place(std::string_view action) {
  return action == forget_action || action == forget_cancel_action;
}

}  // namespace smrel::engine
