// Lexical checks over the whole token stream before parsing: characters that
// are no token, strings and comments left open, and nesting too deep to
// parse safely. The lexer itself never reports (see ERROR_CHAR in Dml.g4).
#pragma once

#include <vector>

namespace antlr4 {
class Token;
}

namespace dml::syntax {

class SyntaxReporter;

// Blocks and lists deeper than this are refused rather than risk the
// recursive-descent parser's stack; real files nest a handful of levels.
inline constexpr int kMaxNestingDepth = 100;
// The same for operators in one expression (`1 + 1 + ...`): the parse tree
// of a left-recursive expression is as deep as it has operators.
inline constexpr int kMaxOperators = 100;

// Reports every lexical problem. Returns false when the file must not be
// parsed (nesting beyond kMaxNestingDepth, kMaxOperators in one expression).
bool ScanTokens(const std::vector<antlr4::Token*>& tokens, SyntaxReporter& reporter);

}  // namespace dml::syntax
