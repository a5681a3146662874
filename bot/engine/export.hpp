#pragma once
// CSV exports. Answers come out in the `smrel score` format (pseudonym as respondent), so
// `smrel export --answers | smrel score --csv - --json` scores them the same way; the weekly
// export holds the published releases only (see releases.hpp), as frozen and withheld as the bot
// showed them, so it can differ from a fresh score of the answers.
#include <ostream>

#include "bot/engine/releases.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::engine {

/// Writes every stored answer of the workspace; returns the number of rows.
std::size_t export_answers_csv(storage::store& store, const domain::workspace_ref& workspace, std::ostream& out);

/// Releases every closed week, then writes one row per released week, scope and figure:
/// `week,group,dimension,respondents,value,ci_low,ci_high,stage,suppressed,withheld`.
/// `dimension` is "score" for the 20–100 score, otherwise a dimension id with its 1–5 mean;
/// `withheld` says why a suppressed figure is not shown.
std::size_t export_weekly_csv(release_ledger& ledger, const domain::workspace_ref& workspace,
                              domain::time_point now, std::ostream& out);

}  // namespace smrel::engine
