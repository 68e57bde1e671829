#include "compiler/syntax/lex.h"

#include <antlr4-runtime.h>

#include <algorithm>

#include "DmlLexer.h"
#include "compiler/diag/utf8.h"

namespace dml::syntax {
namespace {

// The same rule as ParseModule's: UTF-8 without NUL bytes.
bool IsText(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = diag::Utf8SequenceLength(text, i);
    if (n == 0 || text[i] == '\0') return false;
    i += n;
  }
  return true;
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Classified by the token's shape rather than its grammar type, so that
// tokens the grammar gains later fall into the right class unchanged.
TokenKind Classify(const antlr4::Token& token, const antlr4::dfa::Vocabulary& vocabulary) {
  const std::string text = token.getText();
  const char first = text.empty() ? '\0' : text[0];
  if (token.getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
    if (text.rfind("//", 0) == 0) return TokenKind::kLineComment;
    if (text.rfind("/*", 0) == 0) return TokenKind::kBlockComment;
    return TokenKind::kError;
  }
  if (first == '"') return TokenKind::kString;
  if (IsDigit(first)) return TokenKind::kNumber;
  if (IsLetter(first)) {
    // Keywords are literal tokens ('import'); names are not.
    return vocabulary.getLiteralName(token.getType()).empty() ? TokenKind::kIdent : TokenKind::kKeyword;
  }
  return TokenKind::kPunct;
}

}  // namespace

std::optional<std::vector<Token>> Lex(const std::string& text) {
  if (!IsText(text)) return std::nullopt;
  antlr4::ANTLRInputStream input(text);
  dmlgen::DmlLexer lexer(&input);
  lexer.removeErrorListeners();  // ERROR_CHAR takes every stray character
  std::vector<Token> out;
  try {
    ssize_t previous_stop = -1;  // code point index just before the next gap
    for (std::unique_ptr<antlr4::Token> token = lexer.nextToken(); token->getType() != antlr4::Token::EOF;
         token = lexer.nextToken()) {
      const ssize_t start = static_cast<ssize_t>(token->getStartIndex());
      std::string gap;
      if (start > previous_stop + 1) {
        gap = input.getText(antlr4::misc::Interval(previous_stop + 1, start - 1));
      }
      Token t;
      t.kind = Classify(*token, lexer.getVocabulary());
      t.text = token->getText();
      t.line = static_cast<int>(token->getLine());
      t.column = static_cast<int>(token->getCharPositionInLine()) + 1;
      t.newlines_before = static_cast<int>(std::count(gap.begin(), gap.end(), '\n'));
      t.space_before = !gap.empty();
      out.push_back(std::move(t));
      previous_stop = static_cast<ssize_t>(token->getStopIndex());
    }
  } catch (const std::exception&) {
    // The lexer has a rule for every character; this is not reachable with
    // valid UTF-8, and a tool must never crash on a file.
    return std::nullopt;
  }
  return out;
}

const char* TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kIdent: return "ident";
    case TokenKind::kKeyword: return "keyword";
    case TokenKind::kNumber: return "number";
    case TokenKind::kString: return "string";
    case TokenKind::kPunct: return "punctuation";
    case TokenKind::kLineComment: return "line comment";
    case TokenKind::kBlockComment: return "block comment";
    case TokenKind::kError: return "error";
  }
  return "?";
}

}  // namespace dml::syntax
