#pragma once
// Versioned schema migrations for the SQLite backend. Append only: a released migration is never
// edited, a change is a new entry.
#include <span>
#include <string_view>

namespace smrel::storage::sqlite {

std::span<const std::string_view> migrations();

}  // namespace smrel::storage::sqlite
