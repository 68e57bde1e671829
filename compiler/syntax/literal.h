// Decoding literal tokens into values: the lexer only says "a number-like
// word" or "a string"; this decides which literal it is and checks it, so a
// malformed literal gets one precise message. No ANTLR here: unit-testable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"

namespace dml::syntax {

// What is wrong with a literal, and where inside its text (in code points
// from the literal's first character, including a leading `-`).
struct LiteralError {
  std::string message;
  int offset = 0;
  int length = 1;
  std::vector<std::string> help;
};

struct DecodedLiteral {
  std::optional<ast::Literal> literal;  // set iff !error
  std::optional<LiteralError> error;
};

// A NUMBER token, `negative` when a `-` came before it: an int (`42`), a
// float (`0.5`, `1e-3`), a duration (`90s`, `1.5h`), a size (`4GiB`, whole
// bytes), an IP (`10.8.1.250`) or a CIDR (`10.8.1.0/24`).
DecodedLiteral DecodeNumber(std::string_view text, bool negative);

// A STRING token with its quotes; `terminated` false when the closing quote is
// missing (reported elsewhere; the value is decoded all the same). `${a.b}`
// parts become Literal::interpolations, whose ranges are relative: `column`
// counts code points from the opening quote (0), `line` and `file` are unset;
// the parser moves them to the token's place.
DecodedLiteral DecodeString(std::string_view text, bool terminated = true);

// The duration units and their length in seconds, for docs and messages.
struct DurationUnit {
  const char* suffix;
  double seconds;
};
const std::vector<DurationUnit>& DurationUnits();

// The size units (decimal KB = 1000 B, binary KiB = 1024 B) in bytes.
struct SizeUnit {
  const char* suffix;
  int64_t bytes;
};
const std::vector<SizeUnit>& SizeUnits();

}  // namespace dml::syntax
