// The token stream of a .dml file, comments included, for tools that work
// below the AST (dmlc fmt, the fuzz target's round-trip check). The grammar's
// token types stay inside compiler/syntax: callers see a small, stable
// classification, so new operators and keywords need no change here.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dml::syntax {

enum class TokenKind {
  kIdent,         // a name: `workers`, `m1_medium`
  kKeyword,       // a reserved word: `cluster`, `import`, `true`
  kNumber,        // every number-like word: `42`, `1e-3`, `90s`, `4GiB`, `10.8.1.0/24`
  kString,        // `"..."`, closed or not
  kPunct,         // brackets, `=`, `,`, `.`, `:`, operators
  kLineComment,   // `// ...` without the line break
  kBlockComment,  // `/* ... */`, possibly over several lines
  kError,         // a character that is no token (the parser reports it)
};

struct Token {
  TokenKind kind = TokenKind::kError;
  std::string text;         // exactly as in the source (UTF-8)
  int line = 0;             // 1-based
  int column = 0;           // 1-based, in code points
  int newlines_before = 0;  // line breaks between the previous token and this one
  bool space_before = false;  // any whitespace between the previous token and this one
};

// Every token of `text` except the end of file, in order. Never throws.
// Nothing when `text` is not UTF-8 (ParseModule reports that case).
std::optional<std::vector<Token>> Lex(const std::string& text);

const char* TokenKindName(TokenKind kind);  // "ident", "line comment", ...

}  // namespace dml::syntax
