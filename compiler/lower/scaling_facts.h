// What `dmlc plan`'s scaling estimate needs from a checked cluster beyond
// what the rest of lowering puts in the IR: the site's link and each group's
// per-core training speed (its flavor record's).
#pragma once

#include "compiler/ir/deployment.h"
#include "compiler/sema/cluster_shape.h"
#include "compiler/sema/value.h"

namespace dml::lower {

// Sets `out.link` and each group's `core_gmacs` where the cluster's records
// state them. `out` is the lowering of `cluster`, whose shape is `shape`.
void AddScalingFacts(const sema::Value& cluster, const sema::ClusterShape& shape, ir::Deployment& out);

}  // namespace dml::lower
