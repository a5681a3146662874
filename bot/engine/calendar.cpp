#include "bot/engine/calendar.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace smrel::engine {
namespace {

using std::chrono::duration_cast;

constexpr std::array<std::string_view, 7> weekdays{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

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
  weekly_moment m;
  const auto found = std::find(weekdays.begin(), weekdays.end(), day);
  if (found == weekdays.end()) throw std::invalid_argument("survey." + std::string(field) + "_day: not a weekday");
  m.day_offset = static_cast<int>(found - weekdays.begin());
  const auto digit = [&](std::size_t i) { return i < time.size() && time[i] >= '0' && time[i] <= '9' ? time[i] - '0' : -1; };
  const int h1 = digit(0), h2 = digit(1), m1 = digit(3), m2 = digit(4);
  if (time.size() != 5 || time[2] != ':' || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0 || h1 * 10 + h2 > 23 || m1 * 10 + m2 > 59) {
    throw std::invalid_argument("survey." + std::string(field) + "_time: not HH:MM");
  }
  m.time_of_day = std::chrono::hours{h1 * 10 + h2} + std::chrono::minutes{m1 * 10 + m2};
  return m;
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
