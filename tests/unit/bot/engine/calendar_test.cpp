#include "bot/engine/calendar.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace smrel::engine {
namespace {

using namespace std::chrono;

const scoring::iso_week week13 = *scoring::iso_week::parse("2026-W13");  // Mon 23 March 2026
const scoring::iso_week week48 = *scoring::iso_week::parse("2026-W48");  // Mon 23 November 2026

config::survey_settings in_zone(std::string zone) {
  config::survey_settings s;
  s.timezone = std::move(zone);
  return s;  // pulses monday 10:00, digest friday 09:00, open 7 days
}

domain::time_point utc(sys_days day, hours h, minutes m = minutes{0}) { return domain::time_point{day + h + m}; }

TEST(calendar, utc_weeks_and_moments_are_plain_iso_weeks) {
  const calendar c(in_zone("UTC"));
  EXPECT_EQ(c.pulse_due(week48), utc(2026y / November / 23, hours{10}));
  EXPECT_EQ(c.digest_due(week48), utc(2026y / November / 27, hours{9}));
  EXPECT_EQ(c.week_start(week48), utc(2026y / November / 23, hours{0}));
  EXPECT_EQ(c.pulse_closes(week48), utc(2026y / November / 30, hours{0}));
  EXPECT_EQ(c.week_of(utc(2026y / November / 29, hours{23}, minutes{59})), week48);
  EXPECT_EQ(c.week_of(utc(2026y / November / 30, hours{0})), week48 + 1);
}

TEST(calendar, the_reminder_comes_two_working_days_after_the_pulse_unless_told_otherwise) {
  config::survey_settings s = in_zone("Europe/Amsterdam");
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / November / 25, hours{9}));  // Wednesday 10:00 CET
  s.pulse_day = "thursday";  // two working days on is Monday, after the pulse closed: Friday, the last before
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / November / 27, hours{9}));
  s.pulse_open_days = 14;  // open two weeks: Monday is in time
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / November / 30, hours{9}));
  s.pulse_day = "saturday";  // from a weekend pulse, Monday is the first working day, Tuesday the second
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / December / 1, hours{9}));
  s.pulse_open_days = 7;  // closing on Sunday night: no working day is left
  EXPECT_FALSE(calendar(s).reminder_due(week48));
  s.pulse_day = "friday";
  s.reminder_day = "monday";  // a weekday names the first such day after the pulse
  s.reminder_time = "16:30";
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / November / 30, hours{15}, minutes{30}));
  s.reminder_day = "friday";  // the pulse's own day: the same day only when later in it
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / November / 27, hours{15}, minutes{30}));
  s.reminder_time = "09:00";
  EXPECT_EQ(calendar(s).reminder_due(week48), utc(2026y / December / 4, hours{8}));
  s.reminder_day = "off";
  EXPECT_FALSE(calendar(s).reminder_due(week48));
}

TEST(calendar, a_company_in_amsterdam_starts_its_week_at_midnight_in_amsterdam) {
  const calendar c(in_zone("Europe/Amsterdam"));  // CET, UTC+1, in November
  EXPECT_EQ(c.pulse_due(week48), utc(2026y / November / 23, hours{9}));
  EXPECT_EQ(c.digest_due(week48), utc(2026y / November / 27, hours{8}));
  EXPECT_EQ(c.week_start(week48 + 1), utc(2026y / November / 29, hours{23}));
  EXPECT_EQ(c.pulse_closes(week48), utc(2026y / November / 29, hours{23}));
  // 23:30 UTC on Sunday is already Monday 00:30 in Amsterdam: next week.
  EXPECT_EQ(c.week_of(utc(2026y / November / 29, hours{23}, minutes{30})), week48 + 1);
  EXPECT_EQ(c.week_of(utc(2026y / November / 29, hours{22}, minutes{59})), week48);
}

TEST(calendar, daylight_saving_moves_the_utc_moment_not_the_wall_clock) {
  const calendar c(in_zone("Europe/Amsterdam"));  // summer time from Sun 29 March 2026, 02:00 → 03:00
  EXPECT_EQ(c.pulse_due(week13), utc(2026y / March / 23, hours{9}));      // CET
  EXPECT_EQ(c.pulse_due(week13 + 1), utc(2026y / March / 30, hours{8}));  // CEST
  // The pulse opened in winter closes at midnight in summer: 7 local days are 167 hours.
  EXPECT_EQ(c.pulse_closes(week13) - c.week_start(week13), hours{167});

  auto skipped = in_zone("Europe/Amsterdam");
  skipped.pulse_day = "sunday";
  skipped.pulse_time = "02:30";  // does not exist that Sunday: it happens at the change
  EXPECT_EQ(calendar(skipped).pulse_due(week13), utc(2026y / March / 29, hours{1}));
}

TEST(calendar, east_of_utc_the_local_monday_is_still_sunday_in_utc) {
  const calendar c(in_zone("Pacific/Auckland"));  // NZDT, UTC+13, in November
  const auto due = c.pulse_due(week48);
  EXPECT_EQ(due, utc(2026y / November / 22, hours{21}));
  EXPECT_EQ(c.week_of(due), week48);  // the pulse belongs to the company's week, not UTC's
  EXPECT_LT(due, c.pulse_closes(week48));
}

TEST(calendar, refuses_what_it_cannot_place) {
  EXPECT_THROW(calendar(in_zone("Mars/Olympus_Mons")), std::invalid_argument);
  auto bad_day = in_zone("UTC");
  bad_day.digest_day = "funday";
  EXPECT_THROW((calendar(bad_day)), std::invalid_argument);
  auto bad_time = in_zone("UTC");
  bad_time.pulse_time = "24:00";
  EXPECT_THROW((calendar(bad_time)), std::invalid_argument);
}

}  // namespace
}  // namespace smrel::engine
