// The node supervisor: starts a set of children (the node's ranks), relays
// their output, and stops them all as soon as one fails, so that a dead rank
// never leaves the others blocked in a collective.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "runtime/launch/child_process.h"

namespace dml::launch {

inline constexpr std::chrono::milliseconds kDefaultGracePeriod{5000};

struct SupervisorOptions {
  // Between SIGTERM and SIGKILL when stopping children.
  std::chrono::milliseconds grace_period = kDefaultGracePeriod;
  // Whole-job limit; zero means none.
  std::chrono::milliseconds deadline{0};
  // SIGTERM/SIGINT to this process stop the children (handlers are installed
  // for the duration of Supervise and restored after).
  bool forward_signals = true;
  int stdout_fd = STDOUT_FILENO;  // where children's stdout/stderr go
  int stderr_fd = STDERR_FILENO;
  // A child that exits with this status stopped on request (a training rank
  // that saved a checkpoint after SIGTERM): not a failure. -1: none.
  int stop_exit_code = -1;
  // Called once with the first failure of a child, before the others are
  // stopped, so that ranks on other nodes can learn of it (dist::ReportFailure).
  // `child` indexes the children passed to Supervise.
  std::function<void(size_t child, const std::string& reason)> on_child_failure;
};

struct ChildOutcome {
  std::string name;
  pid_t pid = -1;
  bool exited = false;   // true: exit_code is valid; false: term_signal is
  int exit_code = 0;
  int term_signal = 0;
  bool stopped_by_supervisor = false;  // signalled because of another's failure
  std::string Describe() const;        // "exited with status 3", "was killed by signal 9 (Killed)"
};

struct SupervisorResult {
  bool ok = false;
  // First cause of failure: "rank 1 (pid 4242) exited with status 3", a
  // start failure, a deadline or a forwarded signal. Unset iff ok.
  std::optional<base::Error> error;
  std::vector<ChildOutcome> children;
  // The SIGTERM/SIGINT that stopped the job, 0 if none.
  int interrupted_by = 0;
  // Some child exited with stop_exit_code (and none failed otherwise).
  bool stopped_on_request = false;
};

// Runs every child to completion. ok iff every child exited with status 0.
// One supervisor at a time per process (signal handlers are process-wide).
SupervisorResult Supervise(const std::vector<ChildSpec>& children,
                           const SupervisorOptions& options = {});

}  // namespace dml::launch
