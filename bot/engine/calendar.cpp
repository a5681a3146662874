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

calendar::calendar(const config::survey_settings& survey)
    : zone_(find_zone(survey.timezone)),
      pulse_(parse_moment("pulse", survey.pulse_day, survey.pulse_time)),
      digest_(parse_moment("digest", survey.digest_day, survey.digest_time)),
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

domain::time_point calendar::pulse_closes(scoring::iso_week week) const {
  // Counted in local days, so a pulse open for 7 days closes at local midnight across a DST change.
  return at(week, {static_cast<int>(open_for_.count()), std::chrono::minutes{0}});
}

}  // namespace smrel::engine
