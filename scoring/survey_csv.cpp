#include "scoring/survey_csv.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace smrel::scoring {
namespace {

constexpr std::array<std::string_view, 6> columns{"week", "respondent", "group", "item", "value", "instrument"};
enum column_index : std::size_t { week_col, respondent_col, group_col, item_col, value_col, instrument_col };
constexpr std::size_t required_columns = 5;  // `instrument` may be left out
constexpr std::string_view header_rule = "header must be week,respondent,group,item,value (and optionally ,instrument)";
constexpr std::size_t max_respondent_length = 256;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one record into fields, honouring RFC 4180 quotes. Records never span lines here:
// none of our fields may contain a line break, so a quote left open is an error.
bool split_fields(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  bool was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      quoted = true;
      was_quoted = true;
      field.clear();
    } else if (c == ',') {
      fields.push_back(was_quoted ? field : std::string(trim(field)));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) return false;
  fields.push_back(was_quoted ? field : std::string(trim(field)));
  return true;
}

}  // namespace

std::optional<iso_week> parsed_survey::last_week() const {
  if (data.answers.empty()) return std::nullopt;
  return std::max_element(data.answers.begin(), data.answers.end(),
                          [](const answer& a, const answer& b) { return a.week < b.week; })
      ->week;
}

parsed_survey parse_survey_csv(std::string_view text) {
  parsed_survey out;
  constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";  // spreadsheets like to add one
  if (text.starts_with(utf8_bom)) text.remove_prefix(utf8_bom.size());

  std::array<std::size_t, columns.size()> position{};
  std::size_t column_count = required_columns;
  bool header_seen = false;
  std::unordered_map<std::string, std::pair<std::uint32_t, std::size_t>> respondents;  // → index, first line
  std::vector<std::string> fields;
  std::size_t line_number = 0;

  while (!text.empty()) {
    const auto newline = text.find('\n');
    const auto raw = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    const auto line = trim(raw);
    if (line.empty()) continue;

    const auto fail = [&](std::string message) {
      out.errors.push_back({line_number, std::move(message)});
    };
    if (!split_fields(line, fields)) {
      fail("unclosed quote");
      continue;
    }
    if (!header_seen) {
      header_seen = true;
      if (fields.size() != required_columns && fields.size() != columns.size()) {
        fail(std::string(header_rule));
        return out;
      }
      column_count = fields.size();
      std::array<bool, columns.size()> found{};
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto it = std::find(columns.begin(), columns.end(), fields[i]);
        if (it == columns.end() || found[static_cast<std::size_t>(it - columns.begin())]) {
          fail(std::string(header_rule) + " (found \"" + fields[i] + "\")");
          return out;
        }
        found[static_cast<std::size_t>(it - columns.begin())] = true;
        position[static_cast<std::size_t>(it - columns.begin())] = i;
      }
      if (column_count == required_columns && found[instrument_col]) {
        fail(std::string(header_rule) + " (found \"instrument\" without \"value\")");
        return out;
      }
      continue;
    }

    ++out.rows;
    if (fields.size() != column_count) {
      fail("expected " + std::to_string(column_count) + " fields, found " + std::to_string(fields.size()));
      continue;
    }
    const auto& week_text = fields[position[week_col]];
    const auto& respondent = fields[position[respondent_col]];
    const auto& group_text = fields[position[group_col]];
    const auto& item_text = fields[position[item_col]];
    const auto& value_text = fields[position[value_col]];

    const auto week = iso_week::parse(week_text);
    if (!week) {
      fail("week \"" + week_text + "\" is not an ISO week like 2026-W07");
      continue;
    }
    if (respondent.empty()) {
      fail("respondent is empty");
      continue;
    }
    if (respondent.size() > max_respondent_length) {
      fail("respondent is longer than 256 characters");
      continue;
    }
    const auto grp = parse_group(group_text);
    if (!grp) {
      fail("group \"" + group_text + "\" is not one of sales, marketing, leadership, other");
      continue;
    }
    const auto item = statement_index(item_text);
    if (!item) {
      fail("item \"" + item_text + "\" is not one of q01…" + std::string(statements().back().id));
      continue;
    }
    std::uint8_t value = 0;
    if (value_text == "dk") {
      value = dont_know;
    } else if (value_text.size() == 1 && value_text[0] >= '1' && value_text[0] <= '5') {
      value = static_cast<std::uint8_t>(value_text[0] - '0');
    } else {
      fail("value \"" + value_text + "\" is not a whole number from 1 to 5 or dk (don't know)");
      continue;
    }
    std::uint8_t wording = instrument_version;
    if (column_count > required_columns) {
      const auto& version_text = fields[position[instrument_col]];
      if (version_text.size() != 1 || version_text[0] < '0' + first_instrument_version ||
          version_text[0] > '0' + instrument_version) {
        fail("instrument \"" + version_text + "\" is not a version from " + std::to_string(first_instrument_version) +
             " to " + std::to_string(instrument_version));
        continue;
      }
      wording = static_cast<std::uint8_t>(version_text[0] - '0');
      if (scoring::wording(*item, wording, locale::en).empty()) {
        fail("item \"" + item_text + "\" did not exist in instrument " + version_text);
        continue;
      }
    }
    auto [it, inserted] = respondents.try_emplace(
        respondent, static_cast<std::uint32_t>(out.data.respondent_groups.size()), line_number);
    if (inserted) {
      out.data.respondent_groups.push_back(*grp);
      out.respondent_names.push_back(respondent);
    } else if (out.data.respondent_groups[it->second.first] != *grp) {
      fail("respondent \"" + respondent + "\" is in group " + group_text + " here but in group " +
           std::string(group_id(out.data.respondent_groups[it->second.first])) + " on line " +
           std::to_string(it->second.second));
      continue;
    }
    out.data.answers.push_back({*week, it->second.first, static_cast<std::uint8_t>(*item), value, wording});
  }
  if (!header_seen) out.errors.push_back({0, "empty input: expected the header week,respondent,group,item,value"});
  return out;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos && trim(value) == value) {
    return std::string(value);
  }
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace smrel::scoring
