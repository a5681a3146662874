#pragma once
// Release control: what the bot publishes about a week is computed once, when that week's pulse
// has closed, and stored frozen. Later the forget and join commands or group changes erase or
// move raw answers, but never recompute a published week, so comparing figures before and after
// them reveals nothing. Each release is checked against the earlier ones (scoring/disclosure.hpp):
// a figure whose people differ from an earlier release of it by fewer than min_group_size is
// held back. Follow-up results are published once, in the release of the week that asked them.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"
#include "scoring/disclosure.hpp"
#include "scoring/nudges.hpp"

namespace smrel::engine {

/// How people answered a nudge's follow-up statement in the later pulse that asked it.
struct follow_up_result {
  const scoring::nudge* what = nullptr;
  scoring::iso_week asked;  // the week of the pulse that asked it
  int respondents = 0;      // zero when not shown
  double mean = 0;          // 1–5, rounded to tenths; zero when not shown
  bool shown = false;       // at least min_group_size respondents (the anonymity rule)
};

/// A week as it was published.
struct release {
  /// The week's figures, withheld and rounded as published. `trend` holds only this week's own
  /// point; summaries assemble a trend from consecutive releases.
  scoring::report report;
  /// The stage label carried forward (see scoring::stable_stage), also through weeks whose score
  /// was held back.
  std::optional<scoring::stage> stage_label;
  std::vector<follow_up_result> follow_ups;  // asked in this week's pulse
  /// This release ends a block: report.dont_know_findings are that block's (possibly none).
  bool dont_know_block = false;
};

class release_ledger {
 public:
  release_ledger(storage::store& store, const domain::pseudonymizer& pseudonyms, const calendar& company_calendar,
                 const config::survey_settings& survey);

  /// The company week containing `now` (its pulse is the one open).
  scoring::iso_week week_of(domain::time_point now) const { return calendar_.week_of(now); }
  /// The latest week whose pulse has closed at `now`.
  scoring::iso_week last_closed_week(domain::time_point now) const;
  /// Releases every closed week not released yet, oldest first, from the workspace's first
  /// answer on. Cheap when there is nothing to do (one indexed query).
  void catch_up(const domain::workspace_ref& workspace, domain::time_point now);
  /// Stored releases of weeks `from` … `to`, oldest first.
  std::vector<release> published(const domain::workspace_ref& workspace, scoring::iso_week from, scoring::iso_week to);

  /// Releases compare with earlier releases of this many weeks (their people tokens are kept
  /// that long): a rolling window plus a trend's length.
  int comparison_weeks() const { return survey_.window_weeks + survey_.trend_weeks; }

 private:
  /// `people` gets who is behind the figures: everyone with a rating in the window.
  release release_week(const domain::workspace_ref& workspace, scoring::iso_week week,
                       std::vector<scoring::person_token>& people);

  storage::store& store_;
  const domain::pseudonymizer& pseudonyms_;
  const calendar& calendar_;
  const config::survey_settings survey_;
  std::mutex mutex_;  // one catch-up at a time: releases are computed in week order
};

/// The stored texts of a release (exposed for tests of the format).
std::string encode_release(const release& r);
release decode_release(std::string_view figures);
std::string encode_people(const std::vector<scoring::person_token>& people);
std::vector<scoring::person_token> decode_people(std::string_view text);

/// Whether `week` ends a block of `window_weeks` weeks (blocks tile the calendar, the first
/// starting at the week of 1970-01-01). "Can't judge" findings are released only then, from that
/// block's answers: consecutive blocks share no answers, so no difference between two of them
/// isolates the few people who changed in between, as week-by-week findings would. (A block
/// also starts only after the previous one released, should the window setting change.)
bool ends_dont_know_block(scoring::iso_week week, int window_weeks);

}  // namespace smrel::engine
