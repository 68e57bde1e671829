// sema's entry point: name resolution, type checking, and the cluster and job
// rules. What passes them is handed to lowering (compiler/lower) as checked
// values; sema itself builds no IR.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/sema/cluster_shape.h"
#include "compiler/sema/module_loader.h"
#include "compiler/sema/text_sites.h"
#include "compiler/sema/value.h"

namespace dml::sema {

// Where a deployment's job was written, for checks on what dmlc emits.
struct JobSites {
  diag::SourceRange name;              // the job's name
  std::optional<TextSite> longest;     // its and its cluster's longest string
  diag::SourceRange size;              // its cluster's size (SizeSite)
};

// A cluster that passed every check, conformed to the cluster schema, and
// its shape: computed once, for the checks, and handed on to lowering.
struct CheckedCluster {
  std::string name;
  Value value;
  ClusterShape shape;  // of `value` (points into it)
};

// A job that passed every check, on its checked cluster.
struct CheckedJob {
  std::string name;
  const CheckedCluster* cluster = nullptr;  // owned by the AnalyzeResult
  Value value;                              // conformed to the job schema
  // The most each param-driven group count may be (CountLimits).
  std::map<std::string, int64_t> count_limits;
  JobSites sites;
};

struct AnalyzeResult {
  std::string source_name;  // the root module's name, for descriptions
  std::vector<Value> params;  // the root module's params (kind kParam)
  std::vector<std::unique_ptr<CheckedCluster>> clusters;  // stable: jobs point at them
  std::vector<CheckedJob> jobs;  // in declaration order; empty if errors
};

// Reports every problem it finds into `sink` (several per run, no cascades).
AnalyzeResult Analyze(const ast::Module& root, ModuleLoader& loader, diag::DiagnosticSink& sink);

}  // namespace dml::sema
