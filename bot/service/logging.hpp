#pragma once
// Structured logs: one JSON object per line on stderr, e.g.
// {"ts":"2026-11-27T16:00:00.123Z","level":"info","event":"migrate","applied":1}.
// Callers pass fields explicitly; nothing logs a whole settings struct, so secrets stay out.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace smrel::service {

enum class log_level { trace, debug, info, warn, error };

using log_value = std::variant<std::string_view, long long, double, bool>;
using log_field = std::pair<std::string_view, log_value>;

/// Sets the threshold ("trace" … "off"); unknown names mean "info".
void init_logging(std::string_view level);
bool log_enabled(log_level level);
void log_event(log_level level, std::string_view event, std::initializer_list<log_field> fields = {});

}  // namespace smrel::service
