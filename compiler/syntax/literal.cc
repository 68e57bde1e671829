#include "compiler/syntax/literal.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>

#include "compiler/diag/utf8.h"

namespace dml::syntax {
namespace {

using ast::Literal;
using ast::LiteralKind;

constexpr int kIpOctets = 4;
constexpr int kMaxOctet = 255;
constexpr int kMaxOctetDigits = 3;
constexpr int kMaxPrefix = 32;

// The parts of a number-like word: `10.8.1.0/24` has groups {10,8,1,0} and
// prefix 24; `1.5e3h` has groups {1,5}, exponent `e3` and suffix `h`.
struct NumberShape {
  std::vector<std::string_view> groups;
  std::vector<int> group_offsets;
  std::string_view exponent;
  std::string_view prefix;  // digits after `/`
  int prefix_offset = 0;
  std::string_view suffix;
  int suffix_offset = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

NumberShape Split(std::string_view s) {
  NumberShape shape;
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return s.substr(start, i - start);
  };
  shape.group_offsets.push_back(0);
  shape.groups.push_back(digits());
  while (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
    ++i;
    shape.group_offsets.push_back(static_cast<int>(i));
    shape.groups.push_back(digits());
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && IsDigit(s[j])) {
      const size_t start = i;
      i = j;
      digits();
      shape.exponent = s.substr(start, i - start);
    }
  }
  if (i < s.size() && s[i] == '/') {
    ++i;
    shape.prefix_offset = static_cast<int>(i);
    shape.prefix = digits();
  }
  shape.suffix_offset = static_cast<int>(i);
  shape.suffix = s.substr(i);
  return shape;
}

DecodedLiteral Fail(std::string message, int offset, int length, std::vector<std::string> help = {}) {
  return {std::nullopt, LiteralError{std::move(message), offset, std::max(1, length), std::move(help)}};
}

DecodedLiteral Ok(Literal literal) { return {std::move(literal), std::nullopt}; }

// An IP address or, with `shape.prefix`, a CIDR block. `shift` is 1 when a
// `-` precedes the text (offsets count it).
DecodedLiteral DecodeAddress(std::string_view text, const NumberShape& shape, int shift) {
  const bool cidr = !shape.prefix.empty();
  const char* what = cidr ? "CIDR block" : "IP address";
  for (size_t k = 0; k < shape.groups.size(); ++k) {
    const std::string_view octet = shape.groups[k];
    const int at = shape.group_offsets[k] + shift;
    if (octet.size() > 1 && octet[0] == '0') {
      return Fail(fmt::format("octet `{}` of {} `{}` has a leading zero", octet, what, text), at,
                  static_cast<int>(octet.size()),
                  {"leading zeros are ambiguous (some tools read them as octal); drop them"});
    }
    int value = kMaxOctet + 1;
    if (octet.size() <= kMaxOctetDigits) std::from_chars(octet.data(), octet.data() + octet.size(), value);
    if (value > kMaxOctet) {
      return Fail(fmt::format("octet `{}` of {} `{}` is greater than {}", octet, what, text, kMaxOctet),
                  at, static_cast<int>(octet.size()));
    }
  }
  Literal literal;
  literal.text = std::string(text);
  literal.string_value = std::string(text);
  literal.kind = LiteralKind::kIp;
  if (cidr) {
    int prefix = kMaxPrefix + 1;
    if (shape.prefix.size() <= 2) std::from_chars(shape.prefix.data(), shape.prefix.data() + shape.prefix.size(), prefix);
    if (prefix > kMaxPrefix || (shape.prefix.size() > 1 && shape.prefix[0] == '0')) {
      return Fail(fmt::format("prefix length `/{}` of CIDR block `{}` must be 0 to {}", shape.prefix, text,
                              kMaxPrefix),
                  shape.prefix_offset - 1 + shift, static_cast<int>(shape.prefix.size()) + 1);
    }
    literal.kind = LiteralKind::kCidr;
  }
  return Ok(std::move(literal));
}

// The help for a unit dmlc does not know.
const char* const kUnitHelp =
    "durations take the units ms, s, m, h and d (`90s`, `10m`, `2h`); sizes take B, KB, MB, GB, TB, "
    "KiB, MiB, GiB and TiB (`512MiB`, `4GiB`)";

// Sizes are whole bytes below 2^63.
constexpr double kMaxSizeBytes = 9.2e18;
// How far from a whole number a fractional size (`1.5GiB`) may land and
// still count as whole bytes: floating-point noise, nothing more.
constexpr double kWholeByteTolerance = 1e-6;

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

// The numeric part of `text` (everything before the suffix) as a double.
std::optional<double> ParseDouble(std::string_view digits) {
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

const std::vector<DurationUnit>& DurationUnits() {
  static const std::vector<DurationUnit> units = {
      {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  return units;
}

const std::vector<SizeUnit>& SizeUnits() {
  constexpr int64_t kKilo = 1000;
  constexpr int64_t kKibi = 1024;
  static const std::vector<SizeUnit> units = {
      {"B", 1},
      {"KB", kKilo},        {"MB", kKilo * kKilo},        {"GB", kKilo * kKilo * kKilo},
      {"TB", kKilo * kKilo * kKilo * kKilo},
      {"KiB", kKibi},       {"MiB", kKibi * kKibi},       {"GiB", kKibi * kKibi * kKibi},
      {"TiB", kKibi * kKibi * kKibi * kKibi}};
  return units;
}

namespace {

// `4GiB`, `1.5GB`: whole bytes, exactly when the number has no fraction.
DecodedLiteral DecodeSize(const std::string& text, std::string_view numeric, const NumberShape& shape,
                          const SizeUnit& unit, bool negative) {
  const int whole = static_cast<int>(text.size());
  if (negative) return Fail(fmt::format("size `{}` is negative", text), 0, whole);
  Literal literal;
  literal.text = text;
  literal.kind = LiteralKind::kSize;
  if (shape.groups.size() == 1 && shape.exponent.empty()) {
    int64_t count = 0;
    const auto [end, ec] = std::from_chars(numeric.data(), numeric.data() + numeric.size(), count);
    if (ec != std::errc() || end != numeric.data() + numeric.size() ||
        __builtin_mul_overflow(count, unit.bytes, &literal.int_value)) {
      return Fail(fmt::format("size `{}` is too large", text), 0, whole);
    }
    return Ok(std::move(literal));
  }
  const std::optional<double> value = ParseDouble(numeric);
  const double bytes = value ? *value * static_cast<double>(unit.bytes) : kMaxSizeBytes;
  if (!(bytes < kMaxSizeBytes)) return Fail(fmt::format("size `{}` is too large", text), 0, whole);
  const double rounded = std::round(bytes);
  if (std::fabs(bytes - rounded) > kWholeByteTolerance * std::max(1.0, bytes)) {
    return Fail(fmt::format("size `{}` is not a whole number of bytes", text), 0, whole,
                {"use a smaller unit: `1536MiB` rather than `1.5GiB` where it does not divide"});
  }
  literal.int_value = static_cast<int64_t>(rounded);
  return Ok(std::move(literal));
}

}  // namespace

DecodedLiteral DecodeNumber(std::string_view number, bool negative) {
  const std::string text = (negative ? "-" : "") + std::string(number);
  const int shift = negative ? 1 : 0;
  const int whole = static_cast<int>(text.size());
  const NumberShape shape = Split(number);
  const size_t groups = shape.groups.size();

  if (!shape.prefix.empty() || groups == kIpOctets) {
    if (groups != kIpOctets || !shape.exponent.empty() || !shape.suffix.empty() || negative) {
      const char* what = shape.prefix.empty() ? "IP address" : "CIDR block";
      std::vector<std::string> help = {shape.prefix.empty()
                                           ? "write an IP address as four numbers: `10.8.1.250`"
                                           : "write a CIDR block as an address and a prefix: `10.8.1.0/24`"};
      if (!shape.prefix.empty()) help.push_back("to divide, put spaces around `/`: `a / 2`");
      return Fail(fmt::format("malformed {} `{}`", what, text), 0, whole, std::move(help));
    }
    return DecodeAddress(text, shape, shift);
  }
  if (groups > 2) {
    return Fail(fmt::format("malformed number `{}`", text), 0, whole,
                {"an IP address has four parts: `10.8.1.250`"});
  }

  const std::string_view numeric = number.substr(0, static_cast<size_t>(shape.suffix_offset));
  Literal literal;
  literal.text = text;
  if (!shape.suffix.empty()) {
    for (const DurationUnit& unit : DurationUnits()) {
      if (shape.suffix != unit.suffix) continue;
      if (negative) return Fail(fmt::format("duration `{}` is negative", text), 0, whole);
      const std::optional<double> value = ParseDouble(numeric);
      if (!value) return Fail(fmt::format("duration `{}` is too large", text), 0, whole);
      literal.kind = LiteralKind::kDuration;
      literal.float_value = *value * unit.seconds;
      return Ok(std::move(literal));
    }
    for (const SizeUnit& unit : SizeUnits()) {
      if (shape.suffix == unit.suffix) return DecodeSize(text, numeric, shape, unit, negative);
    }
    return Fail(fmt::format("unknown unit `{}` in `{}`", shape.suffix, text), shape.suffix_offset + shift,
                static_cast<int>(shape.suffix.size()), {kUnitHelp});
  }
  if (groups == 2 || !shape.exponent.empty()) {
    const std::optional<double> value = ParseDouble(numeric);
    if (!value) return Fail(fmt::format("number `{}` is too large", text), 0, whole);
    literal.kind = LiteralKind::kFloat;
    literal.float_value = negative ? -*value : *value;
    return Ok(std::move(literal));
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Fail(fmt::format("integer `{}` does not fit in 64 bits", text), 0, whole);
  }
  literal.kind = LiteralKind::kInt;
  literal.int_value = value;
  return Ok(std::move(literal));
}

namespace {

// `${a.b}` starting at text[at] (the `$`); `column` is its code point offset.
// On success advances `at` past the `}` and returns the interpolation.
std::optional<ast::Interpolation> ParseInterpolation(std::string_view text, size_t end, size_t& at,
                                                     int column, LiteralError& error) {
  constexpr std::string_view kHelp = "write `${name}` or `${name.field}`, or `\\$` for a `$` of its own";
  ast::Interpolation interpolation;
  size_t i = at + 2;  // past `${`
  while (true) {
    const size_t start = i;
    if (i >= end || !IsIdentStart(text[i])) {
      error = {"expected a name in `${...}`", column + static_cast<int>(i - at), 1, {std::string(kHelp)}};
      return std::nullopt;
    }
    while (i < end && IsIdentChar(text[i])) ++i;
    ast::Identifier part;
    part.name = std::string(text.substr(start, i - start));
    part.range.column = column + static_cast<int>(start - at);
    part.range.length = static_cast<int>(i - start);
    interpolation.path.push_back(std::move(part));
    if (i < end && text[i] == '.') {
      ++i;
      continue;
    }
    if (i < end && text[i] == '}') break;
    error = {"expected `}` to close `${`", column, static_cast<int>(i - at), {std::string(kHelp)}};
    return std::nullopt;
  }
  interpolation.range.column = column;
  interpolation.range.length = static_cast<int>(i + 1 - at);
  at = i + 1;
  return interpolation;
}

// A string's text reaches YAML (the template, the plan) and the shell on
// every node. NUL fits neither (and dmlc marks params in plan strings with
// it); YAML readers refuse the Unicode non-characters (U+FFFE, U+FDD0, ...).
std::optional<std::string> RefusedCharacter(std::string_view bytes) {
  const uint32_t cp = diag::Utf8CodePoint(bytes);
  if (cp == 0) return "a NUL byte";
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
    return fmt::format("U+{:04X}, a Unicode non-character", cp);
  }
  return std::nullopt;
}

}  // namespace

DecodedLiteral DecodeString(std::string_view text, bool terminated) {
  Literal literal;
  literal.kind = LiteralKind::kString;
  literal.text = std::string(text);
  const size_t end = terminated && text.size() >= 2 ? text.size() - 1 : text.size();
  int column = 1;  // code points from the opening quote
  for (size_t i = 1; i < end; ++column) {
    const char c = text[i];
    if (c == '$' && i + 1 < end && text[i + 1] == '{') {
      LiteralError error;
      const size_t start = i;
      std::optional<ast::Interpolation> interpolation = ParseInterpolation(text, end, i, column, error);
      if (!interpolation) return {std::nullopt, std::move(error)};
      interpolation->offset = literal.string_value.size();
      literal.interpolations.push_back(std::move(*interpolation));
      column += static_cast<int>(i - start) - 1;  // names are ASCII: bytes are code points
      continue;
    }
    if (c != '\\') {
      const size_t n = std::max<size_t>(1, diag::Utf8SequenceLength(text, i));
      if (std::optional<std::string> refused = RefusedCharacter(text.substr(i, n))) {
        return Fail("a string cannot hold " + *refused, column, 1,
                    {"YAML (the template and the launch plan) and the shell cannot carry it"});
      }
      literal.string_value.append(text.substr(i, n));
      i += n;
      continue;
    }
    if (i + 1 >= end) break;  // a lone `\` before a missing quote
    const char escaped = text[i + 1];
    switch (escaped) {
      case '"': literal.string_value += '"'; break;
      case '\\': literal.string_value += '\\'; break;
      case 'n': literal.string_value += '\n'; break;
      case 't': literal.string_value += '\t'; break;
      case '$': literal.string_value += '$'; break;
      default: {
        const size_t n = std::max<size_t>(1, diag::Utf8SequenceLength(text, i + 1));
        return Fail(fmt::format("unknown escape `\\{}` in string", text.substr(i + 1, n)), column, 2,
                    {"strings take the escapes \\\", \\\\, \\n, \\t and \\$"});
      }
    }
    i += 2;
    ++column;
  }
  return Ok(std::move(literal));
}

}  // namespace dml::syntax
