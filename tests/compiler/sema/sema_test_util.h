// Test helpers: compile .dml text through the real parser, sema and lowering,
// with the real stdlib/ modules (the prelude always among them) served from
// memory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/lower/lower_program.h"
#include "compiler/sema/analyze.h"
#include "compiler/sema/conform.h"
#include "compiler/sema/declare_types.h"
#include "compiler/sema/evaluate.h"
#include "compiler/sema/module_loader.h"
#include "compiler/sema/scope.h"
#include "compiler/sema/types.h"

namespace dml::sema::testing {

// Modules by dotted name; parsed on first Load.
class MapLoader : public ModuleLoader {
 public:
  MapLoader(diag::SourceManager& sources, diag::DiagnosticSink& sink,
            std::map<std::string, std::string> texts)
      : sources_(sources), sink_(sink), texts_(std::move(texts)) {}
  const ast::Module* Load(const std::string& name) override;

 private:
  diag::SourceManager& sources_;
  diag::DiagnosticSink& sink_;
  std::map<std::string, std::string> texts_;
  std::map<std::string, std::unique_ptr<ast::Module>> loaded_;
};

struct Compiled {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  AnalyzeResult checked;       // what sema hands to lowering
  lower::LowerResult result;   // the deployments, when the checks passed
  std::vector<diag::Diagnostic> diagnostics;  // sorted

  int Count(diag::Kind kind) const;
  const diag::Diagnostic* First(diag::Kind kind) const;
  int Errors() const { return sink.ErrorCount(); }
  std::string Rendered() const;  // every diagnostic, for failure messages
};

// The files of stdlib/ in the source tree, by module name.
std::map<std::string, std::string> Stdlib();

// The prelude's types, and those `text` declares, built as Analyze builds them.
struct Types {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  std::unique_ptr<ast::Module> root;
  std::unique_ptr<MapLoader> loader;
  std::unique_ptr<Program> program;
  TypeRegistry types;
  std::unique_ptr<Conformer> conformer;
  std::unique_ptr<Evaluator> evaluator;
};
std::unique_ptr<Types> BuildTypes(const std::string& text = "");
std::string ReadFile(const std::string& path);

std::unique_ptr<Compiled> Compile(const std::string& text,
                                  std::map<std::string, std::string> modules = Stdlib());

// `text` with the first occurrence of `from` replaced by `to` (which must exist).
std::string Replace(std::string text, const std::string& from, const std::string& to);

// A small valid file in the shape of samples/mnist.dml, for variations.
extern const char* const kValidTrain;
// The same cluster with a `run` job.
extern const char* const kValidRun;

}  // namespace dml::sema::testing
