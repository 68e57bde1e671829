// dmlc fmt's layout rules between two neighbouring tokens: how many line
// breaks, or else how much space. They depend only on the tokens, their
// brackets and the line breaks the author wrote, never on the spaces, so
// formatting is idempotent.
#pragma once

#include <string>
#include <vector>

#include "compiler/fmt/token_class.h"

namespace dml::format {

// At most this many line breaks in a row: one blank line.
inline constexpr int kMaxLineBreaks = 2;

// Where token `i` sits: its neighbours and the innermost bracket pair
// around it (-1 at the top level).
struct Context {
  const std::vector<Token>& tokens;
  const Brackets& brackets;
  int enclosing_open = -1;  // index of the innermost unclosed opener before `i`
};

// Line breaks to put before token `i` (> 0), or 0 to keep it on the line.
int LineBreaksBefore(const Context& context, size_t i);

// The space between token `i - 1` and token `i` on one line: "" or " ".
std::string SpaceBefore(const Context& context, size_t i);

}  // namespace dml::format
