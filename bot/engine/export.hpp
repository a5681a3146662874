#pragma once
// CSV exports. Answers come out in the `smrel score` format (pseudonym as respondent), so
// `smrel export --answers | smrel score --csv - --json` reproduces the bot's figures; the weekly
// export holds only aggregates that pass the anonymity rules.
#include <ostream>

#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::engine {

/// Writes every stored answer of the workspace; returns the number of rows.
std::size_t export_answers_csv(storage::store& store, const domain::workspace_ref& workspace, std::ostream& out);

/// Writes one row per week, scope and figure from the first answer's week to `last_week`:
/// `week,group,dimension,respondents,value,ci_low,ci_high,stage,suppressed`. `dimension` is
/// "score" for the 20–100 score, otherwise a dimension id with its 1–5 mean.
std::size_t export_weekly_csv(storage::store& store, const domain::workspace_ref& workspace,
                              const config::survey_settings& survey, scoring::iso_week last_week, std::ostream& out);

}  // namespace smrel::engine
