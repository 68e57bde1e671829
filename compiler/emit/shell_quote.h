// Quoting values for the bash boot scripts that dmlc writes into a Heat
// template. Every value that comes from a .dml file passes through here, so
// that no value can inject shell.
#pragma once

#include <string>
#include <string_view>

namespace dml::emit {

// A bash word whose value is exactly `value`, with no expansion of any kind.
// Usually POSIX single quotes ('it'\''s'); a value holding a control
// character other than tab and newline, or bytes that are not printable
// UTF-8, is written in ANSI-C quotes with \xHH escapes ($'a\x0db') instead,
// so that the script stays printable text: a YAML block scalar (where the
// script lives in the template) cannot carry such bytes unchanged. A value
// holding '@' is written in ANSI-C quotes too, its '@' as \x40: Heat's
// tokens are marked with "@@", and no value may spell one.
std::string ShellQuote(std::string_view value);

// True if `value` is text a YAML block scalar carries unchanged: printable
// ASCII, tab, newline, and well-formed UTF-8 outside the C1 controls, YAML's
// extra line breaks (U+2028, U+2029), the BOM and the non-characters.
bool IsBlockScalarSafe(std::string_view value);

}  // namespace dml::emit
