// Diagnostics are data: a kind from the registry (kinds.def), a severity, a
// place, a message, and optional notes and help. Phases report into a
// DiagnosticSink; the driver renders them at the end.
#pragma once

#include <string>
#include <vector>

#include "compiler/diag/source.h"

namespace dml::diag {

enum class Kind {
#define DML_DIAG_KIND(name, severity, summary) name,
#include "compiler/diag/kinds.def"
#undef DML_DIAG_KIND
};

enum class Severity { kError, kWarning };

// The registry, for documentation and the test that every kind has a golden.
struct KindInfo {
  Kind kind;
  const char* name;     // "unknown_field": shown as [unknown_field]
  Severity severity;
  const char* summary;
};
const std::vector<KindInfo>& AllKinds();
const KindInfo& Info(Kind kind);

struct Note {
  SourceRange range;  // may be invalid: a note with no place
  std::string message;
};

struct Diagnostic {
  Kind kind;
  SourceRange range;
  std::string message;
  std::vector<Note> notes;
  std::vector<std::string> help;  // "did you mean `epochs`?"
};

class DiagnosticSink {
 public:
  void Report(Diagnostic diagnostic) { diagnostics_.push_back(std::move(diagnostic)); }
  bool HasErrors() const;
  int ErrorCount() const;
  int WarningCount() const;
  // Sorted by place, duplicates (same kind, place, message) removed.
  std::vector<Diagnostic> Sorted() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

// `file:line:col: error: message [kind]`, the source line, `^~~~` under the
// range, then notes and help.
std::string Render(const Diagnostic& diagnostic, const SourceManager& sources);

const char* SeverityName(Severity severity);  // "error", "warning"

// Clang's closing line: "1 error generated.", "1 warning and 2 errors
// generated."; empty when both are zero.
std::string RenderSummary(int errors, int warnings);

// For editors and scripts (`dmlc --diagnostics=json`): one JSON array of
// {file, line, column, length, severity, kind, message, notes[], help[]}.
std::string RenderJson(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources);

}  // namespace dml::diag
