#include "compiler/syntax/reporter.h"

#include <algorithm>

#include "compiler/diag/utf8.h"

namespace dml::syntax {

void SyntaxReporter::Report(diag::Diagnostic diagnostic, int line) {
  if (reported_ > kMaxErrors) return;
  if (line == 0) line = diagnostic.range.line;
  if (lines_with_errors_.count(line) > 0) return;
  lines_with_errors_.insert(line);
  ++reported_;
  if (reported_ > kMaxErrors) {
    diagnostic.message = "too many syntax errors; stopping here";
    diagnostic.kind = diag::Kind::syntax_error;
    diagnostic.notes.clear();
    diagnostic.help = {"is this a .dml file?"};
  }
  sink_.Report(std::move(diagnostic));
}

void SyntaxReporter::Error(diag::Kind kind, diag::SourceRange range, std::string message,
                           std::vector<std::string> help, std::vector<diag::Note> notes, int line) {
  Report(diag::Diagnostic{kind, range, std::move(message), std::move(notes), std::move(help)}, line);
}

int SyntaxReporter::LineLength(int line) const {
  const std::string text = sources_.Line(file_, line);
  int columns = 0;
  for (size_t i = 0; i < text.size(); ++columns) {
    i += std::max<size_t>(1, diag::Utf8SequenceLength(text, i));
  }
  return columns;
}

diag::SourceRange SyntaxReporter::Span(int line, int column, int end_line, int end_column) const {
  diag::SourceRange range{file_, line, column, 1};
  if (end_line == line) {
    range.length = std::max(1, end_column - column);
  } else {
    range.length = std::max(1, LineLength(line) - column + 1);
  }
  return range;
}

}  // namespace dml::syntax
