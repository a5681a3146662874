#pragma once
// What the anonymity attack tests share: the minimum group sizes and the rounding of what is
// published. The attacks are in anonymity_attack_report_test.cpp (what `smrel score` and
// `smrel export` publish) and anonymity_attack_bot_test.cpp (what the bot releases over the weeks).
#include <string>

#include "scoring/report.hpp"

namespace smrel::attack {

inline constexpr int cli_min_group_size = scoring::default_min_group_size;  // `smrel score` and `smrel export` by default
inline constexpr int bot_min_group_size = 3;                                // the Slack harness's setting
inline constexpr double score_rounding = 0.5;                               // scores are published in whole points
inline constexpr double mean_rounding = 0.05;                               // means in tenths
inline const std::string combination_reason = "would_reveal_a_smaller_group";
inline const std::string change_reason = "too_few_people_changed";

}  // namespace smrel::attack
