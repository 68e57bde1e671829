// sema's ModuleLoader over files: `import a.b` is `a/b.dml` in each -I
// directory in order, then in the embedded stdlib. Each module is parsed once
// and kept for the whole compilation (sema holds pointers into it).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/module_loader.h"

namespace dml::driver {

// Shown as the directory of embedded modules in messages.
inline constexpr const char* kStdlibPrefix = "<stdlib>/";

class FileModuleLoader : public sema::ModuleLoader {
 public:
  FileModuleLoader(diag::SourceManager& sources, diag::DiagnosticSink& sink,
                   std::vector<std::string> include_dirs);

  // Null when no directory has the module; syntax errors in it go to the sink.
  const ast::Module* Load(const std::string& dotted_name) override;

  // "a.b" -> "a/b.dml"; empty when the name is not a dotted identifier path.
  static std::string RelativePath(const std::string& dotted_name);

 private:
  const ast::Module* Parse(const std::string& dotted_name, std::string shown_name, std::string text);

  diag::SourceManager& sources_;
  diag::DiagnosticSink& sink_;
  std::vector<std::string> include_dirs_;
  std::map<std::string, std::unique_ptr<ast::Module>> modules_;  // null: not found
};

}  // namespace dml::driver
