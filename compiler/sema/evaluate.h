// Turns expressions into values: literals (strings with `${...}` filled in;
// a param's place holds its token for Heat, see Splice in value.h),
// lists, records (typed ones are checked against their type here, once),
// arithmetic, and references `a.b.c` to params, lets, imported modules' lets
// and record fields. A bare name that is declared nowhere is an enum member
// (`activation = relu`); the field it sets decides whether it is one. Lets
// are evaluated lazily and once; a let that depends on itself is a
// reference_cycle. Evaluation is pure and finishes: no loops, no recursion
// but through lets, and those are cut at the first cycle. It recurses on the
// native stack, so its depth (lets that name lets, expressions inside
// expressions) is bounded: deeper is a nesting_too_deep, not a crash.
#pragma once

#include <map>
#include <optional>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/sema/conform.h"
#include "compiler/sema/scope.h"
#include "compiler/sema/types.h"
#include "compiler/sema/value.h"

namespace dml::sema {

// How deep evaluation may nest: each let reached through another let's
// value, and each expression inside another, is one level. The parser bounds
// one expression's nesting; this bounds chains of lets (`let a = b`,
// `let b = "${c}"`, ...), whose depth no single expression shows. About 1 MB
// of native stack at this depth; real files stay far below it.
inline constexpr int kMaxEvalDepth = 1000;

// `in low..high` as numbers in the unit of what it constrains (bytes, seconds).
struct NumericRange {
  std::optional<Bound> min;
  std::optional<Bound> max;
};

class Evaluator {
 public:
  Evaluator(diag::DiagnosticSink& sink, Conformer& conformer, const TypeRegistry& types)
      : sink_(sink), conformer_(conformer), types_(types) {}

  // Null when the expression is wrong (the reason is reported).
  std::optional<Value> Eval(const ast::Expr& expr, const ModuleScope& scope);
  // A `{ ... }` body (a cluster's or job's): an untyped record.
  Value EvalBlock(const ast::RecordExpr& record, diag::SourceRange range, const ModuleScope& scope);
  // A param as a value: its scalar type, checked default and range. Null
  // when its type is unknown or its default is wrong (reported once).
  std::optional<Value> ParamValue(const ast::Param& param, const ModuleScope& scope,
                                  diag::SourceRange use);
  // Checks every param and let of `scope`, used or not.
  void CheckDeclarations(const ModuleScope& scope);
  // The bounds of `in ...` for a value of `kind` (int, float, size or
  // duration); `subject` names it in messages. Null when a bound is wrong.
  std::optional<NumericRange> EvalRange(const ast::RangeConstraint& range, ValueKind kind,
                                        const std::string& subject, const ModuleScope& scope);

 private:
  std::optional<Value> EvalLiteral(const ast::Literal& literal, diag::SourceRange range,
                                   const ModuleScope& scope);
  std::optional<Value> EvalBinary(const ast::BinaryExpr& binary, diag::SourceRange range,
                                  const ModuleScope& scope);
  std::optional<Value> EvalReference(const ast::Reference& reference, diag::SourceRange range,
                                     const ModuleScope& scope);
  std::optional<Value> EvalUndeclared(const ast::Reference& reference, diag::SourceRange range,
                                      const ModuleScope& scope);
  std::optional<Value> EvalRecord(const ast::RecordExpr& record, diag::SourceRange range,
                                  const ModuleScope& scope);
  std::optional<Value> LetValue(const ast::Let& let, const ModuleScope& scope,
                                diag::SourceRange use);
  std::optional<Value> SelectFields(Value value, const ast::Reference& reference, size_t first,
                                    diag::SourceRange range);
  // The text a value takes inside a string: a param's token (added to
  // `splices`), a string's text (with its splices). False (reported) for
  // lists, records and undeclared names.
  bool Interpolate(const Value& value, const ast::Interpolation& at, std::string* text,
                   std::vector<Splice>* splices);
  // False (reported) when `value` holds a bare name that no enum has.
  bool CheckNames(const Value& value);
  bool CheckParamDefault(const ast::Param& param, Value& value, const ModuleScope& scope);
  // A `url` param's default: an https URL (insecure_download_url otherwise).
  bool CheckUrlDefault(const ast::Param& param, const Value& def);

  // Counts one level of Eval or LetValue while it lives; false from
  // Enter() when the level is one too many (reported once, at `culprit`).
  class DepthGuard {
   public:
    explicit DepthGuard(Evaluator& evaluator) : evaluator_(evaluator) { ++evaluator_.depth_; }
    ~DepthGuard() { --evaluator_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    bool Enter(diag::SourceRange culprit);

   private:
    Evaluator& evaluator_;
  };

  enum class State { kInProgress, kDone };
  struct LetEntry {
    State state = State::kInProgress;
    std::optional<Value> value;
  };
  struct ParamEntry {
    bool ok = false;
    Value value;
  };

  diag::DiagnosticSink& sink_;
  Conformer& conformer_;
  const TypeRegistry& types_;
  std::map<const ast::Let*, LetEntry> lets_;
  std::map<const ast::Param*, ParamEntry> params_;
  int depth_ = 0;
  bool depth_reported_ = false;
};

}  // namespace dml::sema
