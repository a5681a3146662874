#pragma once
// A PostgreSQL array literal ({"a","b",NULL,3}) built one element at a time: how one statement
// takes a whole batch of rows as a few parameters (INSERT … SELECT … FROM unnest($1::text[], …)),
// one round trip instead of one per row. Text elements are always quoted, so any text, empty,
// with commas, braces, quotes, backslashes or "NULL" itself, reads back exactly as given.
#include <cstdint>
#include <string>
#include <string_view>

namespace smrel::storage::postgres {

class array_literal {
 public:
  array_literal() : text_("{") {}

  array_literal& add(std::string_view element) {
    separate();
    text_ += '"';
    for (const char c : element) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
    return *this;
  }
  array_literal& add(std::int64_t element) {
    separate();
    text_ += std::to_string(element);
    return *this;
  }
  array_literal& add_null() {
    separate();
    text_ += "NULL";
    return *this;
  }
  /// Empty text as NULL (an optional key).
  array_literal& add_or_null(std::string_view element) { return element.empty() ? add_null() : add(element); }

  std::string str() const { return text_ + '}'; }

 private:
  void separate() {
    if (text_.size() > 1) text_ += ',';
  }
  std::string text_;
};

}  // namespace smrel::storage::postgres
