// `dmlc plan`'s scaling advice: the estimate of a training job's step and
// total time at its planned size and at other node counts, the node count
// past which more nodes stop paying off, and a warning when the plan is past
// it. The model is compiler/scaling; this file words it.
#pragma once

#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/ir/deployment.h"

namespace dml::driver {

// The "scaling estimate" section of the summary (or why there is none).
std::string ScalingSection(const ir::Deployment& deployment);

// past_scaling_limit at `size` (where the cluster's size is written) when the
// plan has more nodes than pay off.
void CheckScaling(const ir::Deployment& deployment, const diag::SourceRange& size, diag::DiagnosticSink& sink);

}  // namespace dml::driver
