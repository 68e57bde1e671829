// Lowering's entry point: every checked job of a program becomes an
// ir::Deployment, and each deployment's launch plan passes the plan's own
// validation. Anything that fails here is a defect in dmlc (the checks let
// it through): a field lowering reads that is missing (FieldError) or a plan
// the plan's rules refuse, reported as internal_error.
#pragma once

#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/ir/deployment.h"
#include "compiler/sema/analyze.h"

namespace dml::lower {

struct LowerResult {
  std::vector<ir::Deployment> deployments;  // one per job; empty if errors
  std::vector<sema::JobSites> sites;        // one per deployment, in order
};

// `checked` must come from an Analyze that reported no errors.
LowerResult LowerProgram(const sema::AnalyzeResult& checked, diag::DiagnosticSink& sink);

}  // namespace dml::lower
