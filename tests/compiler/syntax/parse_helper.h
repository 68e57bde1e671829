// Parsing a snippet for tests, with its diagnostics at hand.
#pragma once

#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/syntax/parser.h"

namespace dml::syntax::testing {

struct Parsed {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  ast::Module module;
  std::vector<diag::Diagnostic> diagnostics;

  std::string Rendered() const {
    std::string out;
    for (const diag::Diagnostic& d : diagnostics) out += diag::Render(d, sources);
    return out;
  }
};

inline std::unique_ptr<Parsed> Parse(const std::string& text) {
  auto parsed = std::make_unique<Parsed>();
  parsed->module = ParseText("t.dml", text, parsed->sources, parsed->sink);
  parsed->diagnostics = parsed->sink.Sorted();
  return parsed;
}

}  // namespace dml::syntax::testing
