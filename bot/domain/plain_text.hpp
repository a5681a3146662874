#pragma once
// Plain text of a neutral message: the notification fallback every platform sends with blocks,
// and what the CLI prints. One rendering, so the wording lives once, in the engine's views.
#include <string>

#include "bot/domain/message.hpp"

namespace smrel::domain {

/// The message's blocks as paragraphs separated by a blank line, with no trailing newline:
///   header   its line
///   text     as written (it may hold line breaks)
///   fields   one line, "Sales 52 (47–57) · Marketing 48 (43–53)": each field's line breaks become
///            spaces (a field is a label over its value)
///   context  one item per line
///   buttons  omitted: text cannot be clicked, and "[1] [2] [3] …" under every statement of a
///            pulse would only bury the statements in a notification
///   divider  omitted: the blank line between paragraphs already separates
/// Blocks with nothing to show add no paragraph.
std::string plain_text(const message& m);

}  // namespace smrel::domain
