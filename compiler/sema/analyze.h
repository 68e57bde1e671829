// sema's entry point: name resolution, type checking, the cluster and job
// rules, and lowering to the IR the emitters read.
#pragma once

#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/ir/deployment.h"
#include "compiler/sema/module_loader.h"

namespace dml::sema {

struct AnalyzeResult {
  std::vector<ir::Deployment> deployments;  // one per job; empty if errors
};

// Reports every problem it finds into `sink` (several per run, no cascades).
AnalyzeResult Analyze(const ast::Module& root, ModuleLoader& loader, diag::DiagnosticSink& sink);

}  // namespace dml::sema
