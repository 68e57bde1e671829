// UTF-8 helpers shared by the parser and the renderer, so that both count
// columns the same way: one column per code point, and one per byte of an
// invalid sequence (shown as U+FFFD by the parser, `?` on the terminal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dml::diag {

// Length in bytes of the valid UTF-8 sequence starting at text[i], or 0 when
// the bytes there are not valid UTF-8 (overlong, surrogate, truncated, ...).
size_t Utf8SequenceLength(std::string_view text, size_t i);

// The code point of a valid UTF-8 sequence (as Utf8SequenceLength measures
// one): `sequence` holds exactly its 1 to 4 bytes.
uint32_t Utf8CodePoint(std::string_view sequence);

// `text` with every invalid byte replaced by U+FFFD: always valid UTF-8.
std::string ToValidUtf8(std::string_view text);

// One line made safe for a terminal: invalid bytes and control characters
// (C0 but tab, DEL, C1) become `?`, so no escape sequence or line break gets
// through. Columns are preserved. For source lines in diagnostics, and for
// every string of the file that another command prints (dmlc plan).
std::string ForDisplay(std::string_view line);

// A message made safe for a terminal and one line: control characters,
// line and paragraph separators and bidirectional overrides written as
// escapes (\n, \t, \x1b, \u202e), invalid bytes as U+FFFD. A value quoted in
// a message cannot forge lines or move the cursor.
std::string EscapeForMessage(std::string_view text);

}  // namespace dml::diag
