// The .dml parser: source text -> typed AST (compiler/ast/ast.h), with every
// syntax problem reported into the sink in the user's words. ANTLR is an
// implementation detail of this folder's .cc files.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/diag/source.h"

namespace dml::syntax {

// Parses the file `file` of `sources`. Never throws for any input. The module
// holds every declaration that parsed; those that did not are left out and
// their errors reported. `module_name` is stored in ast::Module::name
// (defaults to the file's name).
ast::Module ParseModule(diag::FileId file, const diag::SourceManager& sources,
                        diag::DiagnosticSink& sink, std::string module_name = {});

// Parses `text` as a file named `name`: for tests and tools.
ast::Module ParseText(const std::string& name, const std::string& text,
                      diag::SourceManager& sources, diag::DiagnosticSink& sink);

}  // namespace dml::syntax
