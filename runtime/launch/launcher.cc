#include "runtime/launch/launcher.h"

#include <iostream>

#include <fmt/format.h>

#include "runtime/dist/port.h"
#include "runtime/dist/rendezvous.h"
#include "runtime/launch/command_job.h"
#include "runtime/launch/downloads.h"
#include "runtime/launch/error_output.h"
#include "runtime/launch/exit_codes.h"
#include "runtime/launch/train_job.h"

namespace dml::launch {
namespace {

int LaunchPlan(const LaunchOptions& options, std::ostream& err) {
  PlanLoad loaded = LoadPlanForLaunch(options.plan_path, options.local);
  if (!loaded.plan) {
    err << base::RenderAll(loaded.errors) << "\n";
    return kExitUsage;
  }
  plan::Plan& plan = *loaded.plan;
  // On loopback the plan's port (the stack's) is not needed: a free one lets
  // several local runs, of one plan or many, share a machine without one's
  // ranks joining another's store. Ranks get it on their command line.
  if (options.local) {
    if (const uint16_t port = dist::PickFreePort(); port != 0) plan.cluster.port = port;
  }
  std::vector<plan::NodeInfo> nodes = plan::ExpandNodes(plan);
  if (!options.local) {
    if (options.node_rank < 0 || options.node_rank >= static_cast<int>(nodes.size())) {
      err << ErrorLine(base::Error(fmt::format("--node-rank {} is outside the plan's {} node(s) (0..{})",
                                               options.node_rank, nodes.size(), nodes.size() - 1)));
      return kExitUsage;
    }
    nodes = {nodes[options.node_rank]};
  }
  if (plan.train) {
    // Before any rank: local fetches what is missing; a node only checks (its boot script fetched).
    std::ostream& out = options.out != nullptr ? *options.out : std::cout;
    std::optional<base::Error> missing = options.local
                                             ? FetchDownloads(*plan.train, FetchOptions{options.plan_path}, out)
                                             : CheckDownloadsPresent(*plan.train, options.plan_path);
    if (missing) {
      err << ErrorLine(*missing);
      return kExitUsage;
    }
  }
  JobContext context{plan, options, nodes};
  return plan.kind == plan::JobKind::kCommand ? RunCommandJob(context) : RunTrainJob(context);
}

}  // namespace

std::vector<RankSlot> RankSlots(const std::vector<plan::NodeInfo>& nodes) {
  std::vector<RankSlot> slots;
  for (const plan::NodeInfo& node : nodes) {
    for (int local_rank = 0; local_rank < node.procs; ++local_rank) {
      slots.push_back({node.node_rank, local_rank, node.first_global_rank + local_rank,
                       node.procs});
    }
  }
  return slots;
}

std::string RankName(int global_rank) { return fmt::format("rank {}", global_rank); }

int Launch(const LaunchOptions& options) {
  std::ostream& err = options.err != nullptr ? *options.err : std::cerr;
  try {
    return LaunchPlan(options, err);
  } catch (const std::exception& exception) {
    err << ErrorLine(base::Error(dist::DescribeException(exception)));
    return kExitJobFailed;
  }
}

}  // namespace dml::launch
