#include "bot/net/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace smrel::net {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view http_request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return {};
}

std::string_view http_request::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

}  // namespace smrel::net
