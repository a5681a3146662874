#include "bot/engine/calendar.hpp"

#include <date/tz.h>

#include <stdexcept>
#include <string>

namespace smrel::engine {
namespace {

using std::chrono::duration_cast;

bool is_utc(std::string_view name) { return name == "UTC" || name == "Etc/UTC" || name == "Z"; }

const date::time_zone* find_zone(std::string_view name) {
  if (is_utc(name)) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    throw std::invalid_argument("survey.timezone: unknown time zone \"" + std::string(name) + "\"");
  }
}

}  // namespace

calendar::weekly_moment calendar::parse_moment(std::string_view field, std::string_view day, std::string_view time) {
  const auto day_offset = config::parse_weekday(day);
  if (!day_offset) throw std::invalid_argument("survey." + std::string(field) + "_day: not a weekday");
  const auto time_of_day = config::parse_clock_time(time);
  if (!time_of_day) throw std::invalid_argument("survey." + std::string(field) + "_time: not HH:MM");
  return {*day_offset, *time_of_day};
}

std::optional<calendar::weekly_moment> calendar::reminder_moment(const config::survey_settings& survey,
                                                                 weekly_moment pulse) {
  if (survey.reminder_day == "off") return std::nullopt;
  weekly_moment out = pulse;
  if (!survey.reminder_time.empty()) out = parse_moment("reminder", "monday", survey.reminder_time);
  if (survey.reminder_day.empty()) {
    // Two working days on (Saturday and Sunday do not count), but on a working day before the
    // pulse closes: a Thursday pulse, open until Sunday night, reminds on Friday. None when no
    // working day is left.
    const auto is_working = [](int day) { return day % 7 < 5; };
    int day = pulse.day_offset;
    for (int working = 0; working < 2;) {
      ++day;
      if (is_working(day)) ++working;
    }
    while (day > pulse.day_offset && (day >= survey.pulse_open_days || !is_working(day))) --day;
    if (day == pulse.day_offset) return std::nullopt;
    out.day_offset = day;
  } else {
    const auto named = config::parse_weekday(survey.reminder_day);
    if (!named) throw std::invalid_argument("survey.reminder_day: not a weekday, empty or off");
    // The first such day after the pulse (the same day only when later in it).
    int ahead = (*named - pulse.day_offset + 7) % 7;
    if (ahead == 0 && out.time_of_day <= pulse.time_of_day) ahead = 7;
    out.day_offset = pulse.day_offset + ahead;
  }
  return out;
}

calendar::calendar(const config::survey_settings& survey)
    : zone_(find_zone(survey.timezone)),
      pulse_(parse_moment("pulse", survey.pulse_day, survey.pulse_time)),
      digest_(parse_moment("digest", survey.digest_day, survey.digest_time)),
      reminder_(reminder_moment(survey, pulse_)),
      open_for_(survey.pulse_open_days) {}

scoring::iso_week calendar::week_of(domain::time_point at) const {
  if (!zone_) return scoring::iso_week::containing(at);
  const auto local = zone_->to_local(date::floor<std::chrono::seconds>(at));
  return scoring::iso_week::containing(std::chrono::sys_days{date::floor<date::days>(local).time_since_epoch()});
}

domain::time_point calendar::at(scoring::iso_week week, weekly_moment when) const {
  const auto civil = std::chrono::sys_days{week.monday()} + std::chrono::days{when.day_offset};
  const auto wall = civil + when.time_of_day;  // the wall-clock reading, as if it were UTC
  if (!zone_) return domain::time_point{duration_cast<domain::time_point::duration>(wall.time_since_epoch())};
  const date::local_time<std::chrono::minutes> local{wall.time_since_epoch()};
  // A wall time skipped by a DST change happens at the change; a repeated one, the first time.
  const auto utc = zone_->to_sys(local, date::choose::earliest);
  return domain::time_point{duration_cast<domain::time_point::duration>(utc.time_since_epoch())};
}

domain::time_point calendar::week_start(scoring::iso_week week) const { return at(week, {0, std::chrono::minutes{0}}); }

std::optional<domain::time_point> calendar::reminder_due(scoring::iso_week week) const {
  if (!reminder_) return std::nullopt;
  return at(week, *reminder_);
}

calendar::local_reading calendar::local_time_of(domain::time_point at) const {
  const date::sys_time<std::chrono::minutes> utc{std::chrono::floor<std::chrono::minutes>(at).time_since_epoch()};
  const std::chrono::minutes wall =
      zone_ ? std::chrono::floor<std::chrono::minutes>(zone_->to_local(utc).time_since_epoch())
            : utc.time_since_epoch();
  const auto day = std::chrono::floor<std::chrono::days>(wall);
  return {std::chrono::sys_days{day}, std::chrono::floor<std::chrono::minutes>(wall - day)};
}

domain::time_point calendar::pulse_closes(scoring::iso_week week) const {
  // Counted in local days, so a pulse open for 7 days closes at local midnight across a DST change.
  return at(week, {static_cast<int>(open_for_.count()), std::chrono::minutes{0}});
}

}  // namespace smrel::engine
