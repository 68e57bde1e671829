#include "compiler/syntax/token_scan.h"

#include <antlr4-runtime.h>
#include <fmt/format.h>

#include "DmlLexer.h"
#include "compiler/syntax/reporter.h"
#include "compiler/syntax/tokens.h"

namespace dml::syntax {
namespace {

using L = dmlgen::DmlLexer;

constexpr char32_t kFirstPrintable = 0x20;
constexpr char32_t kDelete = 0x7F;

// `#`, or U+0000 for what a terminal would not show.
std::string CharName(const std::string& utf8) {
  const unsigned char first = static_cast<unsigned char>(utf8.empty() ? 0 : utf8[0]);
  if (utf8.size() == 1 && (first < kFirstPrintable || first == kDelete)) return fmt::format("U+{:04X}", first);
  return "`" + utf8 + "`";
}

// Adjacent stray characters on one line make one diagnostic.
void ReportStrayRun(const std::vector<const antlr4::Token*>& run, SyntaxReporter& reporter) {
  if (run.empty()) return;
  diag::SourceRange range = TokenRange(run.front(), reporter);
  range.length = static_cast<int>(run.size());
  std::string message = "unexpected character " + CharName(run.front()->getText());
  if (run.size() > 1) {
    std::string text;
    for (const antlr4::Token* t : run) text += t->getText();
    message = fmt::format("unexpected characters `{}`", text);
    for (const antlr4::Token* t : run) {
      if (CharName(t->getText())[0] != '`') message = fmt::format("{} unexpected characters", run.size());
    }
  }
  reporter.Error(diag::Kind::syntax_error, range, message);
}

bool IsOperator(size_t type) {
  return type == L::PLUS || type == L::MINUS || type == L::STAR || type == L::SLASH;
}

// Tokens that end one expression: after them, operators count afresh.
bool EndsExpression(size_t type) {
  return type == L::EQ || type == L::COMMA || type == L::LBRACE || type == L::RBRACE ||
         type == L::LBRACK || type == L::RBRACK || type == L::IN || type == L::DOTDOT ||
         type == L::DOTDOTLT || type == L::LTDOTDOT || type == L::LTDOTDOTLT;
}

bool Adjacent(const antlr4::Token* a, const antlr4::Token* b) {
  return a->getLine() == b->getLine() && a->getStopIndex() + 1 == b->getStartIndex();
}

}  // namespace

bool ScanTokens(const std::vector<antlr4::Token*>& tokens, SyntaxReporter& reporter) {
  std::vector<const antlr4::Token*> stray;
  int depth = 0;
  int operators = 0;  // since the last token that ends an expression
  for (const antlr4::Token* token : tokens) {
    const size_t type = token->getType();
    if (EndsExpression(type)) operators = 0;
    if (IsOperator(type) && ++operators > kMaxOperators) {
      reporter.Error(diag::Kind::syntax_error, TokenRange(token, reporter),
                     fmt::format("an expression has more than {} operators", kMaxOperators),
                     {"name parts of it with `let`"});
      return false;
    }
    if (type != L::ERROR_CHAR || (!stray.empty() && !Adjacent(stray.back(), token))) {
      ReportStrayRun(stray, reporter);
      stray.clear();
    }
    switch (type) {
      case L::ERROR_CHAR:
        stray.push_back(token);
        break;
      case L::UNTERMINATED_STRING:
        reporter.Error(diag::Kind::unterminated_string, TokenRange(token, reporter),
                       "string is not closed on its line", {"end the string with `\"` before the line ends"});
        break;
      case L::HASH_COMMENT: {
        diag::SourceRange range = TokenRange(token, reporter);
        range.length = 1;
        reporter.Error(diag::Kind::syntax_error, range, "unexpected character `#`",
                       {"comments start with `//`"});
        break;
      }
      case L::UNTERMINATED_COMMENT: {
        diag::SourceRange range = TokenRange(token, reporter);
        range.length = 2;
        reporter.Error(diag::Kind::syntax_error, range, "comment `/*` is never closed",
                       {"close it with `*/`"});
        break;
      }
      case L::LBRACE:
      case L::LBRACK:
      case L::LPAREN:
        if (++depth > kMaxNestingDepth) {
          reporter.Error(diag::Kind::syntax_error, TokenRange(token, reporter),
                         fmt::format("blocks, lists and parentheses nest more than {} levels deep", kMaxNestingDepth));
          return false;
        }
        break;
      case L::RBRACE:
      case L::RBRACK:
      case L::RPAREN:
        depth = depth > 0 ? depth - 1 : 0;
        break;
      default:
        break;
    }
  }
  ReportStrayRun(stray, reporter);
  return true;
}

}  // namespace dml::syntax
