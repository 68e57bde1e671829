// The registry of kinds and the sink that collects diagnostics.
#include "compiler/diag/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace dml::diag {

const std::vector<KindInfo>& AllKinds() {
  static const std::vector<KindInfo> kinds = {
#define DML_DIAG_KIND(name, severity, summary) {Kind::name, #name, severity, summary},
#include "compiler/diag/kinds.def"
#undef DML_DIAG_KIND
  };
  return kinds;
}

const KindInfo& Info(Kind kind) {
  // Kinds are numbered in registry order, so the enum value is the index.
  return AllKinds().at(static_cast<size_t>(kind));
}

const char* SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

bool DiagnosticSink::HasErrors() const { return ErrorCount() > 0; }

int DiagnosticSink::ErrorCount() const {
  int count = 0;
  for (const Diagnostic& d : Sorted()) count += Info(d.kind).severity == Severity::kError;
  return count;
}

int DiagnosticSink::WarningCount() const {
  int count = 0;
  for (const Diagnostic& d : Sorted()) count += Info(d.kind).severity == Severity::kWarning;
  return count;
}

std::vector<Diagnostic> DiagnosticSink::Sorted() const {
  std::vector<Diagnostic> sorted = diagnostics_;
  // Stable: two diagnostics at one place keep the order they were found in.
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.range < b.range;
  });
  std::vector<Diagnostic> unique;
  for (Diagnostic& d : sorted) {
    const bool duplicate = std::any_of(unique.begin(), unique.end(), [&](const Diagnostic& u) {
      return u.kind == d.kind && u.range == d.range && u.message == d.message;
    });
    if (!duplicate) unique.push_back(std::move(d));
  }
  return unique;
}

std::string RenderSummary(int errors, int warnings) {
  const auto count = [](int n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  if (errors == 0 && warnings == 0) return "";
  std::string text;
  if (warnings > 0) text += count(warnings, "warning");
  if (warnings > 0 && errors > 0) text += " and ";
  if (errors > 0) text += count(errors, "error");
  return text + " generated.";
}

}  // namespace dml::diag
