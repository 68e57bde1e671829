// sema's entry point: name resolution, type checking, the cluster and job
// rules, and lowering to the IR the emitters read.
#pragma once

#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/ir/deployment.h"
#include "compiler/sema/module_loader.h"
#include "compiler/sema/text_sites.h"

namespace dml::sema {

// Where a deployment's job was written, for checks on what dmlc emits.
struct JobSites {
  diag::SourceRange name;              // the job's name
  std::optional<TextSite> longest;     // its and its cluster's longest string
  diag::SourceRange size;              // its cluster's size (SizeSite)
};

struct AnalyzeResult {
  std::vector<ir::Deployment> deployments;  // one per job; empty if errors
  std::vector<JobSites> sites;              // one per deployment, in order
};

// Reports every problem it finds into `sink` (several per run, no cascades).
AnalyzeResult Analyze(const ast::Module& root, ModuleLoader& loader, diag::DiagnosticSink& sink);

}  // namespace dml::sema
