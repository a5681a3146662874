#pragma once
// The nudge playbook (the article's moves between stages, turned into one concrete shared KPI or
// feedback loop each) and the rules that pick nudges for a report.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/instrument.hpp"
#include "scoring/report.hpp"
#include "scoring/stage.hpp"

namespace smrel::scoring {

enum class nudge_kind : std::uint8_t {
  shared_kpi,     // a number both teams own
  feedback_loop,  // a recurring ritual that carries information back
  rule,           // a rule of engagement
  structure,      // a role or reporting line
  hold,           // the article's advice not to push further
};

struct localized {
  std::string_view en;
  std::string_view nl;
  std::string_view in(locale lang) const { return lang == locale::nl ? nl : en; }
};

struct nudge {
  std::string_view id;
  stage at;  // the stage this move starts from
  std::optional<dimension> target;  // none: applies to whichever dimension triggered it
  nudge_kind kind;
  localized title;
  localized action;     // the one KPI or loop to start, concretely
  localized follow_up;  // a statement (1–5) to ask in a later pulse
};

std::span<const nudge> playbook();
const nudge* find_nudge(std::string_view id);

/// Why a nudge was chosen: the figure that triggered it.
enum class nudge_trigger : std::uint8_t { stage_move, weakest_dimension, perception_gap, small_friendly_team, aligned_is_enough };

struct chosen_nudge {
  const nudge* what = nullptr;
  nudge_trigger trigger = nudge_trigger::stage_move;
  std::optional<dimension> dim;  // the dimension whose figure triggered it
  double figure = 0.0;           // stage score, dimension mean, or Sales mean for a gap
  double other_figure = 0.0;     // Marketing mean for a gap
  int respondents = 0;
  /// The score's interval spans a stage edge: the advice was chosen to hold on either side.
  bool on_border = false;
  stage lower = stage::undefined;  // the stages the interval spans, lowest …
  stage upper = stage::undefined;  // … and highest

  std::string why(locale lang) const;
};

struct nudge_context {
  std::size_t max_nudges = 2;
  /// At or below this many Sales and Marketing respondents a team counts as small (article: small
  /// units with good informal relations are best left alone).
  int small_team_size = 12;
  /// A conflict & trust mean at or above this counts as "getting on well".
  double getting_on_mean = 3.5;
  /// Nudges issued recently; they are only chosen again when nothing else fits.
  std::span<const std::string> recently_issued;
};

std::vector<chosen_nudge> choose_nudges(const report& r, const nudge_context& context = {});

}  // namespace smrel::scoring
