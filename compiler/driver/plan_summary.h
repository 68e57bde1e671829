// `dmlc plan`: what a job will create and use, in words, before anything is
// created: its nodes, ranks and their addresses, the vCPUs and memory in
// total, the node-hours its time limit allows, and for a training job an
// estimate of its time and of the node count that pays off (plan_scaling.h).
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/deployment.h"

namespace dml::driver {

// The summary of one job. Counts that come from stack parameters are shown
// at their defaults, with the parameter named.
std::string RenderPlanSummary(const ir::Deployment& deployment);

// "2h", "1h30m", "90s": seconds as a .dml duration.
std::string DurationText(double seconds);
// "512 MiB", "4 GiB", "1.5 GiB".
std::string MemoryText(int64_t mib);

// Rows of cells, left-aligned in columns two spaces apart, each row indented
// by two; cells made safe to print (diag::ForDisplay).
std::string AlignedRows(std::vector<std::vector<std::string>> rows);

}  // namespace dml::driver
