#pragma once
// The company's week: ISO weeks counted in the configured time zone, and when in that week the
// pulse goes out and the digest is posted. A team in Amsterdam starts its week at midnight in
// Amsterdam, not in UTC, so "this week's pulse" means the same to everyone in the company.
#include <chrono>
#include <optional>
#include <string_view>

#include "bot/domain/clock.hpp"
#include "config/settings.hpp"
#include "scoring/iso_week.hpp"

namespace date {
class time_zone;
}

namespace smrel::engine {

class calendar {
 public:
  /// Throws std::invalid_argument naming the field when a day, time or zone is not valid.
  explicit calendar(const config::survey_settings& survey);

  /// The ISO week containing `at` on the local calendar.
  scoring::iso_week week_of(domain::time_point at) const;
  /// Local Monday 00:00 of `week`, as a UTC instant.
  domain::time_point week_start(scoring::iso_week week) const;
  /// When the week's pulse goes out and when its digest is posted.
  domain::time_point pulse_due(scoring::iso_week week) const { return at(week, pulse_); }
  domain::time_point digest_due(scoring::iso_week week) const { return at(week, digest_); }
  /// When the week's pulse stops taking answers.
  domain::time_point pulse_closes(scoring::iso_week week) const;
  /// When whoever has not answered the week's pulse is reminded; nullopt when reminders are off
  /// (or, by default, when no working day is left before the pulse closes).
  std::optional<domain::time_point> reminder_due(scoring::iso_week week) const;
  /// What the company's clocks read at `at`: the local day and the time of day.
  struct local_reading {
    std::chrono::sys_days day;
    std::chrono::minutes time_of_day{0};
  };
  local_reading local_time_of(domain::time_point at) const;

 private:
  struct weekly_moment {
    int day_offset = 0;  // days after Monday
    std::chrono::minutes time_of_day{0};
  };
  static weekly_moment parse_moment(std::string_view field, std::string_view day, std::string_view time);
  static std::optional<weekly_moment> reminder_moment(const config::survey_settings& survey, weekly_moment pulse);
  domain::time_point at(scoring::iso_week week, weekly_moment when) const;

  const date::time_zone* zone_ = nullptr;  // null: UTC, with no zone lookups at all
  weekly_moment pulse_;
  weekly_moment digest_;
  std::optional<weekly_moment> reminder_;  // days after the pulse's Monday; may pass Sunday
  std::chrono::days open_for_{7};
};

}  // namespace smrel::engine
