// Restarting a failed job, as torchrun's elastic agent does: after a failure
// the node's supervisor starts its ranks again (training ranks continue from
// the last checkpoint), up to the plan's job.max_restarts times, and says so
// in the log. A stop the user asked for (SIGTERM/SIGINT, or ranks that saved
// a checkpoint on request) and a usage error (exit 2) are never restarted.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/launch/child_process.h"
#include "runtime/launch/job_context.h"
#include "runtime/launch/supervisor.h"

namespace dml::launch {

// A pause before each restart: longer than rank 0 keeps a failed job's store
// up (dist::HealthMonitor), so that restarted ranks never meet the old one.
inline constexpr std::chrono::milliseconds kRestartDelay{2000};

struct RestartOptions {
  int max_restarts = 0;
  // For the log line: "from the last checkpoint", "from the beginning".
  std::string resumes_from;
  SupervisorOptions supervisor;  // its deadline covers all attempts together
};

// Supervises make_children(attempt) for attempt 0, 1, ...; every child gets
// DML_RESTART_ATTEMPT and TORCHELASTIC_RESTART_COUNT. Returns the last
// attempt's result.
SupervisorResult SuperviseWithRestarts(
    const JobContext& context,
    const std::function<std::vector<ChildSpec>(int attempt)>& make_children,
    const RestartOptions& options);

}  // namespace dml::launch
