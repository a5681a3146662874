#pragma once
// Small text helpers shared by everything the engine writes for people.
#include <cmath>
#include <string>
#include <string_view>

#include "bot/domain/phrasing.hpp"
#include "scoring/instrument.hpp"

namespace smrel::engine {

/// The English or Dutch wording.
inline std::string tr(scoring::locale lang, std::string_view en, std::string_view nl) {
  return std::string(lang == scoring::locale::nl ? nl : en);
}

/// `text` with each "{words}" replaced by what the reader types to run that command on their
/// platform: "Type {pulse}" reads with the slash command in Slack and "Type pulse" in Teams. The
/// wording names commands this way only, so no text hard-codes one platform.
inline std::string with_commands(std::string_view text, const domain::command_phrasing& phrasing) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto open = text.find('{');
    const auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(0, open)).append(phrasing.command(text.substr(open + 1, close - open - 1)));
    text.remove_prefix(close + 1);
  }
  return out.append(text);
}

/// The English or Dutch wording, naming commands as the reader's platform types them.
inline std::string tr(scoring::locale lang, const domain::command_phrasing& phrasing, std::string_view en, std::string_view nl) {
  return with_commands(lang == scoring::locale::nl ? nl : en, phrasing);
}

/// "73%", or "–" when there is nothing to divide by.
inline std::string percent(int part, int whole) {
  return whole > 0 ? std::to_string(static_cast<int>(std::lround(100.0 * part / whole))) + "%" : "–";
}

}  // namespace smrel::engine
