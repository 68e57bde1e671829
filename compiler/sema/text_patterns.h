// What a string that becomes a Heat parameter's value may hold: the
// `allowed_pattern`s lowering gives those parameters, and the same rules as
// functions, for the checks that report a default Heat would refuse.
#pragma once

#include <string>

namespace dml::sema {

// A string param put into plan text with `${name}`: Heat pastes its value
// into a double-quoted YAML string inside the boot script's here-document.
// No `"` or `\` (they would end or escape the YAML string) and no control
// or line-break characters (a newline could end the here-document).
// No `@` either: Heat's tokens are marked with it (plan::kHeatTokenMark),
// and two values side by side must not spell one. No U+FFFE or U+FFFF,
// which YAML readers refuse.
inline constexpr const char* kPlanTextPattern = R"([^"\\@\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]*)";
inline constexpr const char* kPlanTextPatternReason =
    "no double quote, backslash, @ or control character (newline, tab, ...): the value goes into a "
    "quoted string of the launch plan";

// Every other string param: no `@@`, which starts and ends Heat's tokens
// in the template dmlc writes. A ResourceGroup substitutes its index into
// every string of its members' definitions, values from parameters too, so
// a value holding a token's spelling could change what a node runs.
inline constexpr const char* kHeatTextPattern = R"((?:(?!@@)[\s\S])*)";
inline constexpr const char* kHeatTextPatternReason = "no @@ (it marks the template's placeholders)";

// A `url` param (a presigned upload URL): https://, a host, then no
// whitespace or control character, and no `@@` (the template's tokens).
inline constexpr const char* kUrlPattern =
    R"(https://[^\s/?#@\x00-\x1f\x7f-\x9f]+(?:[/?#](?:(?!@@)[^\s\x00-\x1f\x7f-\x9f])*)?)";
inline constexpr const char* kUrlPatternReason =
    "an https:// URL with a host, without spaces or control characters";

// True when `text` matches kPlanTextPattern (for a param's default).
bool FitsPlanText(const std::string& text);
// True when `text` matches kHeatTextPattern and is UTF-8 text without NUL.
bool FitsHeatText(const std::string& text);

}  // namespace dml::sema
