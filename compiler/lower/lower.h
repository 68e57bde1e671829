// Lowering: one checked job and its checked cluster become an ir::Deployment
// (Heat parameters, network, node groups, runtime source) with its launch
// plan. Runs only on values that passed every check.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/deployment.h"
#include "compiler/sema/cluster_shape.h"
#include "compiler/sema/value.h"

namespace dml::lower {

struct LowerInput {
  std::string job_name;
  std::string cluster_name;
  std::string source_name;  // the root file, for the description
  const sema::Value* cluster = nullptr;  // conformed `cluster` block
  const sema::ClusterShape* shape = nullptr;  // the checks' ShapeOf(*cluster)
  const sema::Value* job = nullptr;      // conformed `job` block
  const std::vector<sema::Value>* params = nullptr;  // the root module's params (kind kParam)
  const std::map<std::string, int64_t>* count_limits = nullptr;  // range_max of each param-driven count
};

ir::Deployment Lower(const LowerInput& input);

// The job half: the plan's kind, restarts, timeouts, and train or command
// spec; the params its strings hold (`out.params` must be set: a string
// param among them gets its allowed_pattern); the dataset's digests.
void LowerJob(const sema::Value& job, ir::Deployment& out);

}  // namespace dml::lower
