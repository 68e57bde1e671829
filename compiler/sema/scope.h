// Module scopes: the names each module declares (imports bound by alias or
// last path element, params, lets, clusters, jobs), and the imported modules,
// loaded once each through the ModuleLoader.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/sema/module_loader.h"

namespace dml::sema {

class ModuleScope;

struct Symbol {
  enum class Kind { kImport, kParam, kLet, kCluster, kJob };
  Kind kind = Kind::kLet;
  const ast::Identifier* name = nullptr;
  const ast::Import* import = nullptr;
  const ast::Param* param = nullptr;
  const ast::Let* let = nullptr;
  const ast::Cluster* cluster = nullptr;
  const ast::Job* job = nullptr;
  const ModuleScope* module = nullptr;  // kImport: the module; null when it was not found
};

// "module", "param", "let", "cluster", "job"
const char* SymbolKindName(Symbol::Kind kind);

class ModuleScope {
 public:
  explicit ModuleScope(const ast::Module& module) : module_(&module) {}

  const ast::Module& module() const { return *module_; }
  const Symbol* Find(const std::string& name) const;
  // Names in declaration order, optionally only those of one kind.
  std::vector<std::string> Names() const;
  std::vector<std::string> Names(Symbol::Kind kind) const;
  const std::vector<Symbol>& symbols() const { return symbols_; }

  // Adds `symbol`; returns the earlier symbol of the same name if any (and
  // then does not add it).
  const Symbol* Add(const Symbol& symbol);

 private:
  const ast::Module* module_;
  std::vector<Symbol> symbols_;
  std::map<std::string, size_t> index_;
};

// The module every program loads first, imported or not: it declares the
// record and enum types the language's blocks use (stdlib/prelude.dml).
inline constexpr const char* kPreludeModule = "prelude";

// How many modules deep an import chain may go (the root imports a, which
// imports b, ...): building a module's scope recurses into its imports on
// the native stack, so a deeper chain is a nesting_too_deep, not a crash.
inline constexpr size_t kMaxImportDepth = 100;

// Every module the root reaches, each scoped once, plus the prelude.
class Program {
 public:
  // Builds the prelude's and the root's scopes and, through `loader`, those
  // of the imports (transitively); reports duplicate_name, module_not_found,
  // import_cycle and nesting_too_deep.
  Program(const ast::Module& root, ModuleLoader& loader, diag::DiagnosticSink& sink);

  const ModuleScope& root() const { return *root_; }
  // Every scope, the root first; for checks that visit every module.
  std::vector<const ModuleScope*> Scopes() const;

 private:
  const ModuleScope* Build(const ast::Module& module, const std::string& name);
  const ModuleScope* Import(const ast::Import& import);
  void ReportCycle(const ast::Import& import, const std::string& dotted);

  // A module being built, and the import that asked for it (null: the root
  // or the prelude), for the cycle's notes.
  struct Frame {
    std::string name;
    const ast::Import* import = nullptr;
  };

  ModuleLoader& loader_;
  diag::DiagnosticSink& sink_;
  std::vector<std::unique_ptr<ModuleScope>> scopes_;
  std::map<std::string, const ModuleScope*> by_name_;  // dotted name -> scope (null: not found, or in progress)
  std::vector<Frame> building_;
  const ModuleScope* root_ = nullptr;
};

// "chameleon.kvm" from an import's path.
std::string DottedName(const std::vector<ast::Identifier>& path);

}  // namespace dml::sema
