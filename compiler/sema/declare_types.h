// Builds the TypeRegistry from the `type` and `enum` declarations of every
// module of a program: names first (so types may name each other in any
// order), then field types, then ranges and defaults, which are evaluated
// and checked like any value (a default outside its own range is an error).
#pragma once

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/evaluate.h"
#include "compiler/sema/scope.h"
#include "compiler/sema/types.h"

namespace dml::sema {

void DeclareTypes(const Program& program, Evaluator& evaluator, Conformer& conformer, TypeRegistry& types,
                  diag::DiagnosticSink& sink);

}  // namespace dml::sema
