// What `dmlc plan`'s scaling estimate needs from a checked cluster, read as
// the cluster is lowered: the site's link and each group's per-core training
// speed (its flavor record's).
#pragma once

#include <optional>

#include "compiler/ir/deployment.h"
#include "compiler/sema/cluster_shape.h"
#include "compiler/sema/value.h"

namespace dml::lower {

// One core's training speed on group `g`'s flavor (an absent `workers` block
// runs on the master's), where the flavor record states it.
std::optional<double> CoreGmacs(const sema::ClusterShape& shape, const sema::GroupShape& g);

// The cluster's site's link, where the site record states one.
std::optional<ir::Link> SiteLink(const sema::Value& cluster);

}  // namespace dml::lower
