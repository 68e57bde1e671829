#include "compiler/sema/scope.h"

#include <variant>

namespace dml::sema {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Where an import's path starts and ends, for the module_not_found caret.
diag::SourceRange PathRange(const ast::Import& import) {
  diag::SourceRange range = import.path.front().range;
  const diag::SourceRange& last = import.path.back().range;
  if (last.line == range.line && last.column >= range.column) {
    range.length = last.column + last.length - range.column;
  }
  return range;
}

}  // namespace

const char* SymbolKindName(Symbol::Kind kind) {
  switch (kind) {
    case Symbol::Kind::kImport: return "module";
    case Symbol::Kind::kParam: return "param";
    case Symbol::Kind::kLet: return "let";
    case Symbol::Kind::kCluster: return "cluster";
    case Symbol::Kind::kJob: return "job";
  }
  return "name";
}

std::string DottedName(const std::vector<ast::Identifier>& path) {
  std::string name;
  for (const ast::Identifier& part : path) {
    if (!name.empty()) name += '.';
    name += part.name;
  }
  return name;
}

const Symbol* ModuleScope::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &symbols_[it->second];
}

std::vector<std::string> ModuleScope::Names() const {
  std::vector<std::string> names;
  for (const Symbol& symbol : symbols_) names.push_back(symbol.name->name);
  return names;
}

std::vector<std::string> ModuleScope::Names(Symbol::Kind kind) const {
  std::vector<std::string> names;
  for (const Symbol& symbol : symbols_) {
    if (symbol.kind == kind) names.push_back(symbol.name->name);
  }
  return names;
}

const Symbol* ModuleScope::Add(const Symbol& symbol) {
  auto [it, inserted] = index_.emplace(symbol.name->name, symbols_.size());
  if (!inserted) return &symbols_[it->second];
  symbols_.push_back(symbol);
  return nullptr;
}

Program::Program(const ast::Module& root, ModuleLoader& loader, diag::DiagnosticSink& sink)
    : loader_(loader), sink_(sink) {
  if (const ast::Module* prelude = loader_.Load(kPreludeModule)) {
    by_name_[kPreludeModule] = nullptr;
    by_name_[kPreludeModule] = Build(*prelude, kPreludeModule);
  } else {
    sink_.Report({diag::Kind::internal_error, {root.file, 1, 1, 1},
                  std::string("the standard module `") + kPreludeModule + "` is missing", {},
                  {"dmlc embeds it; a -I directory must not hide it with a broken copy"}});
  }
  root_ = Build(root, root.name);
}

std::vector<const ModuleScope*> Program::Scopes() const {
  std::vector<const ModuleScope*> scopes;
  for (const auto& scope : scopes_) scopes.push_back(scope.get());
  return scopes;
}

const ModuleScope* Program::Import(const ast::Import& import) {
  std::string dotted = DottedName(import.path);
  auto it = by_name_.find(dotted);
  for (const Frame& frame : building_) {
    if (frame.name == dotted) {
      ReportCycle(import, dotted);
      return nullptr;
    }
  }
  if (it != by_name_.end()) return it->second;
  if (building_.size() > kMaxImportDepth) {
    sink_.Report({diag::Kind::nesting_too_deep, PathRange(import),
                  "modules import modules more than " + std::to_string(kMaxImportDepth) + " levels deep here",
                  {}, {"import what a module needs directly, in fewer steps"}});
    return nullptr;
  }
  // Registered before building, so an import cycle finds the scope in
  // progress instead of recursing forever.
  by_name_[dotted] = nullptr;
  const ast::Module* module = loader_.Load(dotted);
  if (module == nullptr) {
    sink_.Report({diag::Kind::module_not_found, PathRange(import),
                  "module `" + dotted + "` not found",
                  {},
                  {"modules are looked up in the -I directories, then in the bundled stdlib/"}});
    return nullptr;
  }
  building_.back().import = &import;  // the frame that asked; see Build
  const ModuleScope* scope = Build(*module, dotted);
  by_name_[dotted] = scope;
  return scope;
}

void Program::ReportCycle(const ast::Import& import, const std::string& dotted) {
  // The frames from the module imported again to the one importing it now.
  size_t first = 0;
  while (first < building_.size() && building_[first].name != dotted) ++first;
  std::string chain;
  std::vector<diag::Note> notes;
  for (size_t i = first; i < building_.size(); ++i) {
    chain += "`" + building_[i].name + "` imports ";
    if (i + 1 < building_.size() && building_[i].import != nullptr) {
      notes.push_back({PathRange(*building_[i].import),
                       "`" + building_[i].name + "` imports `" + building_[i + 1].name + "` here"});
    }
  }
  chain += "`" + dotted + "`";
  sink_.Report({diag::Kind::import_cycle, PathRange(import), "import cycle: " + chain, notes,
                {"move what both modules need into a third module that neither imports"}});
}

const ModuleScope* Program::Build(const ast::Module& module, const std::string& name) {
  building_.push_back({name, nullptr});
  scopes_.push_back(std::make_unique<ModuleScope>(module));
  ModuleScope* scope = scopes_.back().get();
  for (const ast::Decl& decl : module.decls) {
    // Types and enums are global to the program (types.h), not module names.
    if (std::holds_alternative<ast::TypeDecl>(decl) || std::holds_alternative<ast::EnumDecl>(decl)) continue;
    Symbol symbol;
    std::visit(Overloaded{
                   [&](const ast::Import& d) {
                     symbol.kind = Symbol::Kind::kImport;
                     symbol.import = &d;
                     symbol.name = &d.bound_name();
                   },
                   [&](const ast::Param& d) {
                     symbol.kind = Symbol::Kind::kParam;
                     symbol.param = &d;
                     symbol.name = &d.name;
                   },
                   [&](const ast::Let& d) {
                     symbol.kind = Symbol::Kind::kLet;
                     symbol.let = &d;
                     symbol.name = &d.name;
                   },
                   [&](const ast::Cluster& d) {
                     symbol.kind = Symbol::Kind::kCluster;
                     symbol.cluster = &d;
                     symbol.name = &d.name;
                   },
                   [&](const ast::Job& d) {
                     symbol.kind = Symbol::Kind::kJob;
                     symbol.job = &d;
                     symbol.name = &d.name;
                   },
                   [&](const ast::TypeDecl&) {},
                   [&](const ast::EnumDecl&) {},
               },
               decl);
    if (symbol.import != nullptr) symbol.module = Import(*symbol.import);
    if (const Symbol* earlier = scope->Add(symbol)) {
      sink_.Report({diag::Kind::duplicate_name, symbol.name->range,
                    "`" + symbol.name->name + "` is already declared in this module",
                    {{earlier->name->range, std::string("the earlier ") +
                                                SymbolKindName(earlier->kind) + " `" +
                                                earlier->name->name + "` is here"}},
                    {}});
    }
  }
  building_.pop_back();
  return scope;
}

}  // namespace dml::sema
