// YAML scalars that every reader (yaml-cpp in dmlrun, PyYAML, Heat's template
// loader) reads back as exactly the text written. yaml-cpp's own emitter
// writes DEL raw and turns non-characters into U+FFFD, which Heat's loader
// refuses or alters; the plan and dmlc's Heat strings are written here instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dml::plan {

// `text` (UTF-8) as a double-quoted YAML scalar: `"` and `\` escaped, and
// every character a YAML stream may not carry raw or would fold (C0 and C1
// controls, DEL, U+2028, U+2029, U+FEFF, the non-characters) as an escape.
// Each character in `also_escape` (ASCII) is escaped too: the embedded plan
// escapes '@' so that no text from a .dml file can spell a Heat token.
// Bytes that are not UTF-8 become \xHH of the byte's value (Latin-1), which
// no caller writes: dmlc refuses such source and Validate such plans.
std::string YamlQuoted(std::string_view text, std::string_view also_escape = {});

// A number as YAML 1.1 readers (PyYAML, hence Heat) and yaml-cpp read it:
// whole values as integers ("600"), others the shortest text that reads back
// the same, always with a dot ("0.001", "1.0e-08"): PyYAML takes "1e-08" for a string.
std::string YamlNumber(double value);

// True when `text` is well-formed UTF-8 without NUL: what a plan's string can
// hold (NUL ends a C string and an argv entry; dmlc marks params with it).
bool IsPlanText(std::string_view text);

// Decodes one UTF-8 character at `text[*at]`, advancing `*at`; -1 (and one
// byte) for a malformed sequence, an overlong form or a surrogate.
int32_t NextCodePoint(std::string_view text, size_t* at);

// U+FDD0..U+FDEF and every U+xxFFFE / U+xxFFFF.
bool IsNonCharacter(int32_t cp);

}  // namespace dml::plan
