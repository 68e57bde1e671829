// The scaling model's inputs read from a compiled job (the IR and its launch
// plan): the model's size and arithmetic, the batch and data, the nodes at
// their planned count, the flavors' core speed and the site's link. A job
// dmlc cannot model (a repo job, a flavor given by name) has none, and a
// sentence saying why.
#pragma once

#include <optional>
#include <string>

#include "compiler/ir/deployment.h"
#include "compiler/scaling/estimate.h"

namespace dml::scaling {

struct PlannedJob {
  Workload work;
  Nodes nodes;
  int64_t planned_nodes = 1;  // stack parameters at their defaults
  std::string model;          // "mlp 784-100-10"
};

struct Modelled {
  std::optional<PlannedJob> job;
  std::string unavailable;  // why not, when `job` is empty
};

Modelled FromDeployment(const ir::Deployment& deployment);

}  // namespace dml::scaling
