#include "compiler/emit/shell_quote.h"

#include <cstdint>

namespace dml::emit {
namespace {

// Heat's tokens in the template are marked with "@@" (plan::kHeatTokenMark):
// a value holding '@' is written with it escaped, so no value can spell one.
constexpr char kHeatTokenMarkChar = '@';

// Length of the well-formed, block-scalar-safe UTF-8 sequence that starts at
// `s[i]` (a byte >= 0x80), or 0 if there is none.
size_t SafeUtf8Length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  size_t length = 0;
  uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07u;
  } else {
    return 0;  // a continuation byte, an overlong lead, or beyond U+10FFFF
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMinForLength[length] || code > 0x10FFFF) return 0;  // overlong
  if (code >= 0xD800 && code <= 0xDFFF) return 0;                 // surrogates
  if (code < 0xA0) return 0;                        // C1 controls, NEL (U+0085)
  if (code == 0x2028 || code == 0x2029) return 0;   // YAML line breaks
  if (code == 0xFEFF || code == 0xFFFE || code == 0xFFFF) return 0;
  return length;
}

bool IsPlainAsciiSafe(char c) {
  return c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7F);
}

std::string AnsiCQuote(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "$'";
  for (char c : value) {
    const auto byte = static_cast<uint8_t>(c);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += c;
    } else if (byte >= 0x20 && byte < 0x7F && c != kHeatTokenMarkChar) {
      out += c;
    } else {
      // Always two hex digits: bash reads at most two, so a following hex
      // digit is never taken into the escape.
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  out += '\'';
  return out;
}

}  // namespace

bool IsBlockScalarSafe(std::string_view value) {
  for (size_t i = 0; i < value.size();) {
    if (static_cast<uint8_t>(value[i]) < 0x80) {
      if (!IsPlainAsciiSafe(value[i])) return false;
      ++i;
      continue;
    }
    const size_t length = SafeUtf8Length(value, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string ShellQuote(std::string_view value) {
  if (!IsBlockScalarSafe(value) || value.find(kHeatTokenMarkChar) != std::string_view::npos) {
    return AnsiCQuote(value);
  }
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";  // close, an escaped quote, reopen
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace dml::emit
