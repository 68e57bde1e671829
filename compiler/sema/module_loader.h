// How sema reaches imported modules without knowing about files, the search
// path or the embedded stdlib: the driver implements this over the parser.
#pragma once

#include <string>

#include "compiler/ast/ast.h"

namespace dml::sema {

class ModuleLoader {
 public:
  virtual ~ModuleLoader() = default;
  // Finds and parses the module `dotted_name` ("chameleon", "chameleon.tacc").
  // Returns null when no such module exists (sema then reports
  // module_not_found at the import). Syntax errors inside the module are
  // reported by the loader; the module returned holds what did parse.
  virtual const ast::Module* Load(const std::string& dotted_name) = 0;
};

}  // namespace dml::sema
