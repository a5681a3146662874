#pragma once
// The `smrel score --json` document (contract in DESIGN.md). Kept as a string so the JSON
// library stays out of the header.
#include <string>
#include <vector>

#include "scoring/nudges.hpp"
#include "scoring/report.hpp"

namespace smrel::engine {

std::string report_to_json(const scoring::report& report, const std::vector<scoring::chosen_nudge>& nudges,
                           scoring::locale lang = scoring::locale::en, int indent = 2);

}  // namespace smrel::engine
