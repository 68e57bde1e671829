// Where the syntax layer's diagnostics go: the file's sink, with the rules
// that keep one mistake from producing a screenful of follow-on errors.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"

namespace dml::syntax {

class SyntaxReporter {
 public:
  // More than this many syntax errors in one file means the file is not
  // .dml at all; the rest would be noise.
  static constexpr int kMaxErrors = 20;

  SyntaxReporter(diag::FileId file, const diag::SourceManager& sources, diag::DiagnosticSink& sink)
      : file_(file), sources_(sources), sink_(sink) {}

  // Drops an error on a line that already has one (almost always a
  // consequence of the first), and everything after kMaxErrors.
  // `line` is the line the error is about, when the diagnostic is placed
  // elsewhere (a missing `}` is shown after the previous token).
  void Report(diag::Diagnostic diagnostic, int line = 0);
  void Error(diag::Kind kind, diag::SourceRange range, std::string message,
             std::vector<std::string> help = {}, std::vector<diag::Note> notes = {}, int line = 0);

  int reported() const { return reported_; }
  diag::FileId file() const { return file_; }
  const diag::SourceManager& sources() const { return sources_; }

  // The range from (line, column) to the end of `end_line`/`end_column`
  // (exclusive), clipped to the first line as SourceRange requires.
  diag::SourceRange Span(int line, int column, int end_line, int end_column) const;
  // Number of code points on a line of this file.
  int LineLength(int line) const;

 private:
  diag::FileId file_;
  const diag::SourceManager& sources_;
  diag::DiagnosticSink& sink_;
  std::set<int> lines_with_errors_;
  int reported_ = 0;
};

}  // namespace dml::syntax
