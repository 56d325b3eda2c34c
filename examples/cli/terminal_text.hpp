#pragma once
// Text from the platform shown on a terminal or in the session-start hook's output, which
// the assistant reads as context: a lock reason or an error message is anyone's with a
// write key (or the platform's, if it is not ours), so it must not be able to move the
// cursor, set the clipboard (OSC 52), retitle the window or start a line of its own.

#include <string>
#include <string_view>

namespace aitk {

/// `text` with every control character (C0, DEL, C1), line or paragraph separator and
/// bidirectional override written out as an escape (`\x1b`, `\u202e`), and bytes that start no UTF-8
/// character replaced with U+FFFD. Printable text, other scripts included, is unchanged.
std::string TerminalSafe(std::string_view text);

}  // namespace aitk
