#include "compiler/fmt/formatter.h"

#include <algorithm>

#include "compiler/fmt/rules.h"
#include "compiler/fmt/token_class.h"
#include "compiler/syntax/parser.h"

namespace dml::format {
namespace {

// One output line before rendering: comments that end a line are kept apart
// so that neighbouring ones can be aligned.
struct Line {
  int indent = 0;
  std::string code;
  std::string trailing_comment;
  bool blank() const { return code.empty() && trailing_comment.empty(); }
};

std::string RightTrimmed(std::string text) {
  text.erase(text.find_last_not_of(" \t\r\f\v") + 1);
  return text;
}

std::vector<Line> LayOut(const std::vector<Token>& tokens) {
  const Brackets brackets = AnalyzeBrackets(tokens);
  std::vector<Line> lines;
  std::vector<int> open;  // unclosed matched openers
  int depth = 0;          // multi-line pairs around the current token
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    const Context context{tokens, brackets, open.empty() ? -1 : open.back()};
    const bool closes = IsCloser(token) && brackets.partner[i] >= 0;
    if (closes && brackets.multi_line[i]) --depth;
    const int breaks = LineBreaksBefore(context, i);
    if (i == 0 || breaks > 0) {
      if (breaks > 1 && !lines.empty()) lines.push_back({});
      lines.push_back({std::max(depth, 0), {}, {}});
    }
    Line& line = lines.back();
    const std::string text = token.kind == TokenKind::kLineComment ? RightTrimmed(token.text) : token.text;
    if (token.kind == TokenKind::kLineComment && !line.code.empty()) {
      line.trailing_comment = text;
    } else {
      if (!line.code.empty()) line.code += SpaceBefore(context, i);
      line.code += text;
    }
    if (closes) open.pop_back();
    if (IsOpener(token) && brackets.partner[i] >= 0) {
      open.push_back(static_cast<int>(i));
      if (brackets.multi_line[i]) ++depth;
    }
  }
  return lines;
}

// Columns on the terminal: code points, not bytes (names and strings may
// hold any UTF-8).
size_t Columns(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

size_t Width(const Line& line) { return static_cast<size_t>(line.indent * kIndentWidth) + Columns(line.code); }

// Trailing comments in one section start in one column: a section is a run
// of lines at one indentation with no blank line, such as a block's fields
// (lines without a comment do not break it). A line spanning several lines
// (a block comment) ends the section.
void AlignTrailingComments(const std::vector<Line>& lines, std::vector<size_t>& comment_column) {
  comment_column.assign(lines.size(), 0);
  auto in_section = [&](size_t i, int indent) {
    return !lines[i].blank() && lines[i].indent == indent && lines[i].code.find('\n') == std::string::npos;
  };
  for (size_t start = 0; start < lines.size();) {
    if (!in_section(start, lines[start].indent)) {
      ++start;
      continue;
    }
    size_t end = start;
    size_t column = 0;
    for (; end < lines.size() && in_section(end, lines[start].indent); ++end) {
      if (!lines[end].trailing_comment.empty()) column = std::max(column, Width(lines[end]) + kCommentGap);
    }
    for (size_t i = start; i < end; ++i) comment_column[i] = column;
    start = end;
  }
}

}  // namespace

std::string FormatTokens(const std::vector<syntax::Token>& tokens) {
  const std::vector<Line> lines = LayOut(tokens);
  std::vector<size_t> comment_column;
  AlignTrailingComments(lines, comment_column);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    if (!line.blank()) {
      std::string text(static_cast<size_t>(line.indent * kIndentWidth), ' ');
      text += line.code;
      if (!line.trailing_comment.empty()) {
        const size_t width = Width(line);
        text.append(comment_column[i] > width ? comment_column[i] - width : 1, ' ');
        text += line.trailing_comment;
      }
      out += text;
    }
    out += '\n';
  }
  return out;
}

std::optional<std::string> FormatSource(diag::FileId file, const diag::SourceManager& sources,
                                        diag::DiagnosticSink& sink) {
  diag::DiagnosticSink local;
  syntax::ParseModule(file, sources, local);
  bool failed = local.HasErrors();
  for (diag::Diagnostic& d : local.Sorted()) sink.Report(std::move(d));
  if (failed) return std::nullopt;
  std::optional<std::vector<syntax::Token>> tokens = syntax::Lex(sources.Text(file));
  if (!tokens) return std::nullopt;  // not text: ParseModule has said so
  return FormatTokens(*tokens);
}

}  // namespace dml::format
