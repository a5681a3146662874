#pragma once
// ISO-8601 weeks ("2026-W48") as a dense ordinal, so windows are plain integer ranges.
#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace smrel::scoring {

/// A Monday-based ISO week. `index` counts weeks since the week of 1970-01-01.
struct iso_week {
  int index = 0;

  static std::optional<iso_week> parse(std::string_view text);  // "YYYY-Www"
  static iso_week containing(std::chrono::sys_days day);
  static iso_week containing(std::chrono::system_clock::time_point at);

  int year() const;  // ISO week-numbering year
  int week() const;  // 1..53
  std::chrono::sys_days monday() const;
  std::string to_string() const;

  iso_week operator+(int weeks) const { return {index + weeks}; }
  iso_week operator-(int weeks) const { return {index - weeks}; }
  int operator-(iso_week other) const { return index - other.index; }
  auto operator<=>(const iso_week&) const = default;
};

/// Number of ISO weeks (52 or 53) in an ISO week-numbering year.
int weeks_in_iso_year(int year);

}  // namespace smrel::scoring
