#include "scoring/iso_week.hpp"

#include <charconv>
#include <cstdio>

namespace smrel::scoring {
namespace {

using namespace std::chrono;

// 1970-01-01 was a Thursday; the Monday of its ISO week is three days earlier.
constexpr int epoch_monday_offset_days = 3;
constexpr int days_per_week = 7;

sys_days monday_of_week_one(int year) {
  // ISO week 1 is the week that contains 4 January.
  const sys_days jan4{std::chrono::year{year} / January / 4};
  const auto since_monday = weekday{jan4}.iso_encoding() - 1;
  return jan4 - days{since_monday};
}

int floor_div(int a, int b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

bool parse_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

int weeks_in_iso_year(int year) {
  return static_cast<int>((monday_of_week_one(year + 1) - monday_of_week_one(year)).count() /
                          days_per_week);
}

std::optional<iso_week> iso_week::parse(std::string_view text) {
  // Exactly "YYYY-Www": four-digit year, literal "-W", two-digit week.
  if (text.size() != 8 || text[4] != '-' || text[5] != 'W') return std::nullopt;
  int year_value = 0;
  int week_value = 0;
  if (!parse_int(text.substr(0, 4), year_value) || !parse_int(text.substr(6, 2), week_value)) {
    return std::nullopt;
  }
  if (week_value < 1 || week_value > weeks_in_iso_year(year_value)) return std::nullopt;
  return containing(monday_of_week_one(year_value) + days{(week_value - 1) * days_per_week});
}

iso_week iso_week::containing(sys_days day) {
  const int days_since_epoch = static_cast<int>(day.time_since_epoch().count());
  return {floor_div(days_since_epoch + epoch_monday_offset_days, days_per_week)};
}

iso_week iso_week::containing(system_clock::time_point at) {
  return containing(floor<days>(at));
}

sys_days iso_week::monday() const {
  return sys_days{days{index * days_per_week - epoch_monday_offset_days}};
}

int iso_week::year() const {
  // The ISO year is the calendar year of the week's Thursday.
  return static_cast<int>(year_month_day{monday() + days{3}}.year());
}

int iso_week::week() const {
  return static_cast<int>((monday() - monday_of_week_one(year())).count() / days_per_week) + 1;
}

std::string iso_week::to_string() const {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-W%02d", year(), week());
  return buffer;
}

}  // namespace smrel::scoring
