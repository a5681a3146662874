#pragma once
// What a Slack Web API (or response_url) answer means for the sender: done, retry later (and
// when), or give up for good. Pure: status, headers and body in, a verdict out.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bot/domain/delivery_outcome.hpp"

namespace smrel::adapters::slack {

using domain::delivery_outcome;
using domain::delivery_verdict;

/// `is_response_url`: response_url answers are plain "ok" or an HTTP error, not the JSON envelope.
delivery_outcome classify_response(int status, std::string_view retry_after_header, std::string_view body,
                                   bool is_response_url);

/// For `conversations.open`: the DM channel id, if the call succeeded.
std::optional<std::string> opened_channel(std::string_view body);

}  // namespace smrel::adapters::slack
