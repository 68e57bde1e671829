// What `dmlc plan`'s scaling estimate needs from a checked cluster beyond
// what the lowering puts in the IR: the site's link, each group's per-core
// training speed (its flavor record's), and where the cluster's size is
// written, for the warning when a plan is past the point where more nodes
// pay off.
#pragma once

#include "compiler/diag/source.h"
#include "compiler/ir/deployment.h"
#include "compiler/sema/value.h"

namespace dml::sema {

// Sets `out.link` and each group's `core_gmacs` where the cluster's records
// state them. `out` is the lowering of `cluster`.
void AddScalingFacts(const Value& cluster, ir::Deployment& out);

// Where the cluster's size is written: the `count` of its last group that
// has one (a literal or a param), else that group's name.
diag::SourceRange SizeSite(const Value& cluster);

}  // namespace dml::sema
