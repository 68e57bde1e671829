#include "compiler/fmt/token_class.h"

#include <array>

namespace dml::format {

bool IsComment(const Token& token) {
  return token.kind == TokenKind::kLineComment || token.kind == TokenKind::kBlockComment;
}

bool IsWordLike(const Token& token) {
  return token.kind == TokenKind::kIdent || token.kind == TokenKind::kKeyword ||
         token.kind == TokenKind::kNumber || token.kind == TokenKind::kString;
}

bool Is(const Token& token, std::string_view text) {
  return token.kind == TokenKind::kPunct && token.text == text;
}

bool IsOpener(const Token& token) { return Is(token, "{") || Is(token, "[") || Is(token, "("); }
bool IsCloser(const Token& token) { return Is(token, "}") || Is(token, "]") || Is(token, ")"); }

bool IsDots(const Token& token) {
  return token.kind == TokenKind::kPunct && !token.text.empty() &&
         token.text.find_first_not_of('.') == std::string::npos;
}

bool IsSpacedOperator(const Token& token) {
  // Not `?` (`size?`, an optional field's type) nor `..<` (a range).
  static constexpr std::array<std::string_view, 17> kOperators = {
      "=", "+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "=>", "->", "+="};
  if (token.kind != TokenKind::kPunct) return false;
  for (std::string_view op : kOperators) {
    if (token.text == op) return true;
  }
  return false;
}

namespace {

bool Pairs(const Token& open, const Token& close) {
  return (Is(open, "{") && Is(close, "}")) || (Is(open, "[") && Is(close, "]")) ||
         (Is(open, "(") && Is(close, ")"));
}

// True when the author broke a line anywhere between the brackets: the pair
// then keeps one element per line. A line comment always ends in a break.
bool SpansLines(const std::vector<Token>& tokens, size_t open, size_t close) {
  for (size_t i = open + 1; i <= close; ++i) {
    if (tokens[i].newlines_before > 0) return true;
    if (tokens[i].kind == TokenKind::kBlockComment && tokens[i].text.find('\n') != std::string::npos) {
      return true;
    }
  }
  return false;
}

// A sign follows something that cannot end an operand: nothing, an operator,
// an opening bracket, a separator, or a keyword such as `in`.
bool IsSignPosition(const Token* previous) {
  if (previous == nullptr) return true;
  if (previous->kind == TokenKind::kKeyword) return previous->text != "true" && previous->text != "false";
  return previous->kind == TokenKind::kPunct && !IsCloser(*previous);
}

}  // namespace

Brackets AnalyzeBrackets(const std::vector<Token>& tokens) {
  Brackets out;
  out.partner.assign(tokens.size(), -1);
  out.multi_line.assign(tokens.size(), false);
  out.unary.assign(tokens.size(), false);
  std::vector<size_t> open;
  const Token* previous = nullptr;  // the previous token that is not a comment
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    if (IsComment(token)) continue;
    if (IsOpener(token)) {
      open.push_back(i);
    } else if (IsCloser(token) && !open.empty() && Pairs(tokens[open.back()], token)) {
      const size_t start = open.back();
      open.pop_back();
      out.partner[start] = static_cast<int>(i);
      out.partner[i] = static_cast<int>(start);
      out.multi_line[start] = out.multi_line[i] = SpansLines(tokens, start, i);
    }
    out.unary[i] = (Is(token, "-") || Is(token, "+")) && IsSignPosition(previous);
    previous = &token;
  }
  return out;
}

}  // namespace dml::format
