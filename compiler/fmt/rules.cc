#include "compiler/fmt/rules.h"

#include <algorithm>

namespace dml::format {
namespace {

bool OpensMultiLine(const Context& c, size_t i) {
  return IsOpener(c.tokens[i]) && c.brackets.partner[i] >= 0 && c.brackets.multi_line[i];
}

bool ClosesMultiLine(const Context& c, size_t i) {
  return IsCloser(c.tokens[i]) && c.brackets.partner[i] >= 0 && c.brackets.multi_line[i];
}

// A break the author put inside one element (`x =` / `  1`, `cluster a` /
// `{`) is whitespace to the grammar: the element goes on one line.
// Not after `..`: an open range (`in 1..`) may end a field.
bool IsContinuation(const Token& previous, const Token& token) {
  if (IsSpacedOperator(previous) || Is(previous, ".") || Is(previous, ":")) return true;
  return Is(token, "{") || Is(token, "=") || Is(token, ".");
}

int Clamp(int breaks) { return std::min(breaks, kMaxLineBreaks); }

}  // namespace

int LineBreaksBefore(const Context& c, size_t i) {
  if (i == 0) return 0;
  const Token& previous = c.tokens[i - 1];
  const Token& token = c.tokens[i];
  const int written = token.newlines_before;
  if (previous.kind == TokenKind::kLineComment) return ClosesMultiLine(c, i) ? 1 : std::max(1, Clamp(written));
  // A multi-line pair: the closer on a line of its own, no blank line
  // just inside either bracket.
  if (ClosesMultiLine(c, i)) return 1;
  if (OpensMultiLine(c, i - 1)) return IsComment(token) && written == 0 ? 0 : 1;
  // Comments stay where they were: trailing, or on a line of their own.
  if (IsComment(token)) return Clamp(written);
  // One element per line in a multi-line pair.
  const bool in_multi_line = c.enclosing_open >= 0 && c.brackets.multi_line[c.enclosing_open];
  if (Is(previous, ",") && in_multi_line) return std::max(1, Clamp(written));
  if (written == 0 || IsContinuation(previous, token)) return 0;
  return Clamp(written);
}

std::string SpaceBefore(const Context& c, size_t i) {
  if (i == 0) return "";
  const Token& previous = c.tokens[i - 1];
  const Token& token = c.tokens[i];
  if (IsComment(token) || IsComment(previous)) return " ";
  if (Is(token, ",")) return "";
  if (Is(previous, ",")) return " ";
  if (Is(token, ")") || Is(token, "]") || Is(previous, "(") || Is(previous, "[")) return "";
  if (Is(token, "}")) return Is(previous, "{") ? "" : " ";
  if (Is(previous, "{")) return " ";
  if (IsDots(token) || IsDots(previous)) return "";
  if (Is(token, ":")) return "";
  if (Is(previous, ":")) return " ";
  if (c.brackets.unary[i - 1]) return "";  // `-1`
  if (Is(token, "{")) return " ";
  // `f(x)` and `a[0]` keep the author's choice; any other opener is spaced.
  if (Is(token, "(") || Is(token, "[")) {
    const bool callee = IsWordLike(previous) || IsCloser(previous);
    return callee && !token.space_before ? "" : " ";
  }
  if (IsSpacedOperator(token) || IsSpacedOperator(previous)) return " ";
  if (IsWordLike(token) && (IsWordLike(previous) || IsCloser(previous))) return " ";
  // Punctuation this formatter does not know: as the author wrote it.
  return token.space_before ? " " : "";
}

}  // namespace dml::format
