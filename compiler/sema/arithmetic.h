// `+ - * /` on evaluated values, with units checked: ints and floats mix (an
// int widens), sizes add to sizes and scale by ints, durations add to
// durations and scale by numbers; nothing else combines. Int overflow and
// division by zero are diagnostics, never undefined behaviour.
#pragma once

#include <optional>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/sema/value.h"

namespace dml::sema {

struct BinaryOperands {
  ast::BinaryOp op = ast::BinaryOp::kAdd;
  const Value* lhs = nullptr;
  const Value* rhs = nullptr;
  diag::SourceRange op_range;  // the operator: type mismatches point here
  diag::SourceRange whole;     // the whole expression: the result's place
};

// Null when the operation is not defined for these operands or fails (the
// reason is reported). Operands must not be params or enum names.
std::optional<Value> ApplyBinary(const BinaryOperands& operands, diag::DiagnosticSink& sink);

const char* OpText(ast::BinaryOp op);  // "+", "-", "*", "/"

}  // namespace dml::sema
