#include "compiler/diag/utf8.h"

#include <fmt/format.h>

#include <algorithm>

namespace dml::diag {
namespace {

constexpr unsigned char kContinuationMask = 0xC0;
constexpr unsigned char kContinuationTag = 0x80;
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr unsigned char kDelete = 0x7F;
// U+0080-U+009F in UTF-8: 0xC2 then 0x80-0x9F.
constexpr unsigned char kC1Lead = 0xC2;
constexpr unsigned char kC1End = 0xA0;

bool IsContinuation(unsigned char c) { return (c & kContinuationMask) == kContinuationTag; }

}  // namespace

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t length = 0;
  uint32_t min_code = 0;
  uint32_t code = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2, min_code = 0x80, code = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3, min_code = 0x800, code = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4, min_code = 0x10000, code = c & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if (!IsContinuation(byte(i + k))) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  if (code < min_code || code > 0x10FFFF || surrogate) return 0;
  return length;
}

uint32_t Utf8CodePoint(std::string_view sequence) {
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(sequence[i])); };
  switch (sequence.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string ForDisplay(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    const size_t n = Utf8SequenceLength(line, i);
    const unsigned char c = static_cast<unsigned char>(line[i]);
    // C0 (but tab), DEL, and C1 (U+0080-U+009F: U+009B is a terminal's CSI).
    const bool control = (n == 1 && ((c < 0x20 && c != '\t') || c == kDelete)) ||
                         (n == 2 && c == kC1Lead && static_cast<unsigned char>(line[i + 1]) < kC1End);
    if (n == 0 || control) {
      out += '?';  // one per invalid byte, or per control character
      i += n == 0 ? 1 : n;
    } else {
      out.append(line.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string EscapeForMessage(std::string_view text) {
  const std::string valid = ToValidUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size();) {
    const size_t n = std::max<size_t>(1, Utf8SequenceLength(valid, i));
    const uint32_t cp = Utf8CodePoint(std::string_view(valid).substr(i, n));
    const bool escape = cp < 0x20 || cp == kDelete || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 ||
                        cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    if (!escape) {
      out.append(valid, i, n);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp <= 0xFF) {
      out += fmt::format("\\x{:02x}", cp);
    } else {
      out += fmt::format("\\u{:04x}", cp);
    }
    i += n;
  }
  return out;
}

}  // namespace dml::diag
