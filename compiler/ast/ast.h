// The typed AST: what the parser builds from ANTLR's parse tree, and all that
// later phases see. No ANTLR type appears here. Every node has its place.
//
// The surface language is small and regular: declarations at the top level,
// and blocks of `name = value` fields inside. A nested block `name { ... }` is
// a field whose value is an untyped record; `kind { ... }` after `=` is a
// typed record (`optimizer = adam { lr = 1e-3 }`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/diag/source.h"

namespace dml::ast {

using diag::SourceRange;

struct Identifier {
  std::string name;
  SourceRange range;
};

enum class LiteralKind { kInt, kFloat, kBool, kString, kDuration, kIp, kCidr };

struct Literal {
  LiteralKind kind = LiteralKind::kInt;
  std::string text;        // as written
  int64_t int_value = 0;   // kInt
  double float_value = 0;  // kFloat; kDuration in seconds
  bool bool_value = false; // kBool
  std::string string_value;  // kString (unescaped), kIp / kCidr (canonical text)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// `a`, `chameleon.kvm_tacc`, `site.flavors.m1_medium`
struct Reference {
  std::vector<Identifier> path;  // non-empty
};

struct ListExpr {
  std::vector<ExprPtr> items;
};

struct Field {
  Identifier name;
  ExprPtr value;
  SourceRange range;  // the whole `name = value`
};

struct RecordExpr {
  std::optional<Identifier> type_name;  // `adam` in `adam { ... }`
  std::vector<Field> fields;
  SourceRange open_brace;  // for "expected `}` to close ..." notes
};

struct Expr {
  SourceRange range;
  std::variant<Literal, Reference, ListExpr, RecordExpr> node;
};

// `import chameleon`, `import chameleon.kvm_tacc as site`
struct Import {
  std::vector<Identifier> path;
  std::optional<Identifier> alias;
  SourceRange range;
  // The name the module is bound to: alias, else the last path element.
  const Identifier& bound_name() const { return alias ? *alias : path.back(); }
};

// `param workers: int = 1`
struct Param {
  Identifier name;
  Identifier type;  // int, float, bool, string, duration, ip, cidr
  ExprPtr default_value;  // may be null: required at deploy time
  SourceRange range;
};

// `let m1_medium = flavor { name = "m1.medium", vcpus = 2, ram_mb = 4096 }`
struct Let {
  Identifier name;
  ExprPtr value;
  SourceRange range;
};

struct Cluster {
  Identifier name;
  RecordExpr body;
  SourceRange range;
};

struct Job {
  Identifier name;
  Identifier cluster;  // `job mnist on paper`
  RecordExpr body;
  SourceRange range;
};

using Decl = std::variant<Import, Param, Let, Cluster, Job>;

struct Module {
  diag::FileId file = diag::kNoFile;
  std::string name;  // "samples/mnist.dml", or "chameleon" for stdlib modules
  std::vector<Decl> decls;
};

}  // namespace dml::ast
