// The typed AST: what the parser builds from ANTLR's parse tree, and all that
// later phases see. No ANTLR type appears here. Every node has its place.
//
// The surface language is small and regular: declarations at the top level,
// and blocks of `name = value` fields inside. A nested block `name { ... }` is
// a field whose value is an untyped record (`group gpu { ... }` a labelled
// one); `kind { ... }` after `=` is a typed record (`optimizer = adam { lr =
// 1e-3 }`). Record and enum types are declared with `type` and `enum`.
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

enum class LiteralKind { kInt, kFloat, kBool, kString, kDuration, kSize, kIp, kCidr };

// `${workers}` or `${site.name}` inside a string literal.
struct Interpolation {
  size_t offset = 0;             // byte offset in Literal::string_value where it goes
  std::vector<Identifier> path;  // non-empty
  SourceRange range;             // the whole `${...}`
};

struct Literal {
  LiteralKind kind = LiteralKind::kInt;
  std::string text;        // as written
  int64_t int_value = 0;   // kInt; kSize in bytes
  double float_value = 0;  // kFloat; kDuration in seconds
  bool bool_value = false; // kBool
  std::string string_value;  // kString (unescaped, interpolations cut out), kIp / kCidr (canonical text)
  std::vector<Interpolation> interpolations;  // kString, in order of offset
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class BinaryOp { kAdd, kSub, kMul, kDiv };

// `a + b`, `flavor.vcpus * 2`; parentheses leave no node of their own.
struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  SourceRange op_range;
};

// `a`, `chameleon.kvm_tacc`, `site.flavors.m1_medium`
struct Reference {
  std::vector<Identifier> path;  // non-empty
};

struct ListExpr {
  std::vector<ExprPtr> items;
};

struct Field {
  Identifier name;
  std::optional<Identifier> label;  // `gpu` in `group gpu { ... }`
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
  std::variant<Literal, Reference, ListExpr, RecordExpr, BinaryExpr> node;
};

// `int`, `flavor`, `[int]`, `string?`
struct TypeRef {
  Identifier name;        // the (element) type's name
  bool list = false;      // `[name]`
  bool optional = false;  // `name?`: the field may be left out
  SourceRange range;
};

// `in 0..254`, `in 0..<1`, `in 0<..`: either end may be missing.
struct RangeConstraint {
  ExprPtr low;   // may be null
  ExprPtr high;  // may be null
  bool low_exclusive = false;
  bool high_exclusive = false;
  SourceRange range;  // from `in` to the end
};

// `import chameleon`, `import chameleon.kvm_tacc as site`
struct Import {
  std::vector<Identifier> path;
  std::optional<Identifier> alias;
  SourceRange range;
  // The name the module is bound to: alias, else the last path element.
  const Identifier& bound_name() const { return alias ? *alias : path.back(); }
};

// `param workers: int = 1 in 0..254`
struct Param {
  Identifier name;
  TypeRef type;  // int, float, bool, string, duration, size, ip, cidr or an enum
  ExprPtr default_value;  // may be null: required at deploy time
  std::optional<RangeConstraint> constraint;
  SourceRange range;
};

// `let m1_medium = flavor { name = "m1.medium", vcpus = 2, ram = 4GiB }`
struct Let {
  Identifier name;
  ExprPtr value;
  SourceRange range;
};

// One field of a `type`: `vcpus: int in 1..`, `ram: size`, `disk: size?`.
struct FieldDecl {
  Identifier name;
  TypeRef type;
  ExprPtr default_value;  // may be null
  std::optional<RangeConstraint> constraint;
  SourceRange range;
};

// `type flavor { name: string, vcpus: int in 1.., ram: size }`
struct TypeDecl {
  Identifier name;
  std::vector<FieldDecl> fields;
  SourceRange range;
};

// `enum activation { relu, tanh, sigmoid }`
struct EnumDecl {
  Identifier name;
  std::vector<Identifier> members;
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

using Decl = std::variant<Import, Param, Let, TypeDecl, EnumDecl, Cluster, Job>;

struct Module {
  diag::FileId file = diag::kNoFile;
  std::string name;  // "samples/mnist.dml", or "chameleon" for stdlib modules
  std::vector<Decl> decls;
};

}  // namespace dml::ast
