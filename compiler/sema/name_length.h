// name_too_long: job, cluster, group and param names become Heat resource and
// parameter names, file names and host names; each must fit all of them
// (ir::kMaxNameLength), and a job's server names `<job>-<group>-<index>` one
// host name label (ir::kMaxServerNamePrefix for `<job>-<group>`).
#pragma once

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/sema/cluster_shape.h"

namespace dml::sema {

// The root module's jobs, clusters and params.
void CheckDeclaredNameLengths(const ast::Module& root, diag::DiagnosticSink& sink);

// The groups of the job's cluster (its shape), and the server names of `job` on it.
void CheckServerNameLengths(const ast::Job& job, const ClusterShape& cluster, diag::DiagnosticSink& sink);

}  // namespace dml::sema
