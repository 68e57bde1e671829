#include "compiler/syntax/tokens.h"

#include <antlr4-runtime.h>

#include <algorithm>

#include "compiler/diag/utf8.h"
#include "compiler/syntax/reporter.h"

namespace dml::syntax {

bool IsConjured(const antlr4::Token* token) {
  return token == nullptr || token->getStartIndex() == INVALID_INDEX ||
         token->getTokenIndex() == INVALID_INDEX;
}

int TokenColumns(const antlr4::Token* token) {
  if (IsConjured(token) || token->getType() == antlr4::Token::EOF) return 1;
  // Start and stop are code point indexes into the input.
  return static_cast<int>(token->getStopIndex() - token->getStartIndex() + 1);
}

namespace {

// The line and column just past the token's last character.
std::pair<int, int> EndOf(const antlr4::Token* token) {
  const int line = static_cast<int>(token->getLine());
  const int column = static_cast<int>(token->getCharPositionInLine()) + 1;
  const std::string text = token->getText();
  if (text.find('\n') == std::string::npos) return {line, column + TokenColumns(token)};
  // Multi-line tokens (block comments): past the last line's characters.
  const size_t last = text.rfind('\n');
  int tail_columns = 0;
  for (size_t i = last + 1; i < text.size(); ++tail_columns) {
    i += std::max<size_t>(1, diag::Utf8SequenceLength(text, i));
  }
  int newlines = 0;
  for (char c : text) newlines += c == '\n';
  return {line + newlines, tail_columns + 1};
}

}  // namespace

diag::SourceRange TokenRange(const antlr4::Token* token, const SyntaxReporter& reporter) {
  if (token == nullptr) return {};
  const int line = static_cast<int>(token->getLine());
  const int column = static_cast<int>(token->getCharPositionInLine()) + 1;
  if (IsConjured(token) || token->getType() == antlr4::Token::EOF) return {reporter.file(), line, column, 1};
  const auto [end_line, end_column] = EndOf(token);
  return reporter.Span(line, column, end_line, end_column);
}

diag::SourceRange AfterToken(const antlr4::Token* token, const SyntaxReporter& reporter) {
  if (token == nullptr) return {};
  if (IsConjured(token) || token->getType() == antlr4::Token::EOF) return TokenRange(token, reporter);
  const auto [line, column] = EndOf(token);
  return {reporter.file(), line, column, 1};
}

diag::SourceRange TreeRange(antlr4::tree::ParseTree* tree, const SyntaxReporter& reporter) {
  auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(tree);
  if (rule == nullptr) {
    auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(tree);
    return terminal ? TokenRange(terminal->getSymbol(), reporter) : diag::SourceRange{};
  }
  const antlr4::Token* start = rule->getStart();
  const antlr4::Token* stop = rule->getStop();
  if (start == nullptr) return {};
  if (stop == nullptr || IsConjured(stop) || stop->getTokenIndex() < start->getTokenIndex()) {
    return TokenRange(start, reporter);
  }
  const auto [end_line, end_column] = EndOf(stop);
  return reporter.Span(static_cast<int>(start->getLine()),
                       static_cast<int>(start->getCharPositionInLine()) + 1, end_line, end_column);
}

}  // namespace dml::syntax
