// The two ways to start a job: `dmlrun node` (one node of the cluster) and
// `dmlrun local` (every node on this machine). Both load the plan, pick the
// ranks that run here and hand them to the job kind's runner.
#pragma once

#include <string>
#include <vector>

#include "runtime/launch/launch_options.h"
#include "runtime/plan/plan.h"

namespace dml::launch {

// One rank that this machine runs.
struct RankSlot {
  int node_rank = 0;
  int local_rank = 0;
  int global_rank = 0;
  int local_world_size = 1;  // ranks on its node
};

std::vector<RankSlot> RankSlots(const std::vector<plan::NodeInfo>& nodes);

// "rank 3" for messages and "[rank 3] " for output lines.
std::string RankName(int global_rank);

// Runs the job in `options` (local or one node); returns an ExitCode.
// Never throws.
int Launch(const LaunchOptions& options);

}  // namespace dml::launch
