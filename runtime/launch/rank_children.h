// The child processes of a job on this node, one per rank here, built the
// same way for both job kinds (training ranks and a user's command): named
// "rank N", their output lines prefixed "[rank N] " (rank 0's stdout bare: it
// is the job's own output), restarted up to the plan's job.max_restarts
// within its whole-job deadline. A job kind adds only what is its own: the
// command line, environment, working directory and CPUs.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "runtime/launch/child_process.h"
#include "runtime/launch/job_context.h"
#include "runtime/launch/launcher.h"
#include "runtime/launch/restarts.h"
#include "runtime/launch/supervisor.h"
#include "runtime/plan/plan.h"

namespace dml::launch {

// Adds a job kind's part to `child`, the child of slots[index], in restart
// `attempt` (0: the first start).
using FillRankChild = std::function<void(size_t index, int attempt, ChildSpec& child)>;

// The children of one attempt: one per slot, named and prefixed, then filled.
std::vector<ChildSpec> RankChildren(const std::vector<RankSlot>& slots, int attempt, const FillRankChild& fill);

// The plan's restarts (job.max_restarts) and whole-job deadline
// (timeouts.job_s); `resumes_from` tells the log where a restart continues.
RestartOptions PlanRestarts(const plan::Plan& plan, std::string resumes_from);

// Runs the slots' children under the supervisor, restarting them as
// `restarts` allow (SuperviseWithRestarts over RankChildren).
SupervisorResult SuperviseRanks(const JobContext& context, const std::vector<RankSlot>& slots,
                                const FillRankChild& fill, const RestartOptions& restarts);

}  // namespace dml::launch
