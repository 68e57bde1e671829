// Questions the formatter asks about tokens, by their text and class only:
// dmlc fmt knows brackets, separators and operators, not the grammar's
// constructs, so constructs added to the language format sensibly unchanged.
#pragma once

#include <string_view>
#include <vector>

#include "compiler/syntax/lex.h"

namespace dml::format {

using syntax::Token;
using syntax::TokenKind;

bool IsComment(const Token& token);
bool IsWordLike(const Token& token);  // ident, keyword, number or string
bool Is(const Token& token, std::string_view text);  // punctuation with this text
bool IsOpener(const Token& token);    // `{`, `[`, `(`
bool IsCloser(const Token& token);    // `}`, `]`, `)`
bool IsDots(const Token& token);      // `.`, `..`: member access and ranges
// An infix operator written with a space on each side: `=`, `+`, `==`, ...
bool IsSpacedOperator(const Token& token);

// The structure of a token stream: matched bracket pairs, and for each pair
// whether its author spread it over several lines. Both are indexed by token.
struct Brackets {
  std::vector<int> partner;      // the matching bracket's index, or -1
  std::vector<bool> multi_line;  // set on both brackets of a multi-line pair
  // `-`/`+` used as a sign (`= -1`, `[-2]`), written against its operand.
  std::vector<bool> unary;
};

Brackets AnalyzeBrackets(const std::vector<Token>& tokens);

}  // namespace dml::format
