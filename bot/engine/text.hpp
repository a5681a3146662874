#pragma once
// Small text helpers shared by everything the engine writes for people.
#include <cmath>
#include <string>
#include <string_view>

#include "scoring/instrument.hpp"

namespace smrel::engine {

/// The English or Dutch wording.
inline std::string tr(scoring::locale lang, std::string_view en, std::string_view nl) {
  return std::string(lang == scoring::locale::nl ? nl : en);
}

/// "73%", or "–" when there is nothing to divide by.
inline std::string percent(int part, int whole) {
  return whole > 0 ? std::to_string(static_cast<int>(std::lround(100.0 * part / whole))) + "%" : "–";
}

}  // namespace smrel::engine
