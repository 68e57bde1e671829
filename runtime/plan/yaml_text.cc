#include "runtime/plan/yaml_text.h"

#include <fmt/format.h>

#include <cmath>

namespace dml::plan {
namespace {

// Characters YAML 1.1 does not allow raw in a stream, or that a reader
// folds into a line break (NEL, LS, PS), or strips (a BOM).
bool NeedsEscape(int32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return true;                  // C0, DEL
  if (cp >= 0x80 && cp <= 0x9F) return true;                 // C1 (NEL among them)
  if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) return true;
  return IsNonCharacter(cp);
}

void AppendEscape(std::string& out, int32_t cp) {
  switch (cp) {
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    case 0: out += "\\0"; return;
    default: break;
  }
  if (cp <= 0xFF) out += fmt::format("\\x{:02X}", cp);
  else if (cp <= 0xFFFF) out += fmt::format("\\u{:04X}", cp);
  else out += fmt::format("\\U{:08X}", cp);
}

// Whole numbers up to here are exact in a double: written as integers.
constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53

}  // namespace

std::string YamlNumber(double value) {
  if (value == std::floor(value) && std::fabs(value) <= kLargestExactInteger) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  std::string text = fmt::format("{}", value);  // shortest that reads back the same
  if (text.find('.') == std::string::npos) {
    const size_t exponent = text.find_first_of("eE");
    text.insert(exponent == std::string::npos ? text.size() : exponent, ".0");
  }
  return text;
}

int32_t NextCodePoint(std::string_view text, size_t* at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*at);
  int length = 0;
  int32_t cp = 0;
  int32_t min = 0;
  if (lead < 0x80) {
    ++*at;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    ++*at;
    return -1;
  }
  if (*at + length > text.size()) {
    ++*at;
    return -1;
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char next = byte(*at + i);
    if ((next & 0xC0) != 0x80) {
      ++*at;
      return -1;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*at;
    return -1;
  }
  *at += length;
  return cp;
}

bool IsNonCharacter(int32_t cp) { return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE; }

bool IsPlanText(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const int32_t cp = NextCodePoint(text, &at);
    if (cp <= 0) return false;
  }
  return true;
}

std::string YamlQuoted(std::string_view text, std::string_view also_escape) {
  std::string out = "\"";
  for (size_t at = 0; at < text.size();) {
    const size_t start = at;
    const int32_t cp = NextCodePoint(text, &at);
    if (cp < 0) {
      AppendEscape(out, static_cast<unsigned char>(text[start]));
    } else if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (NeedsEscape(cp) || (cp < 0x80 && also_escape.find(static_cast<char>(cp)) != std::string_view::npos)) {
      AppendEscape(out, cp);
    } else {
      out.append(text.substr(start, at - start));
    }
  }
  return out + "\"";
}

}  // namespace dml::plan
