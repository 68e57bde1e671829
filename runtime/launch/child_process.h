// Starting one child process without a shell: an argv vector goes straight
// to execv, so no value from a plan can inject shell syntax.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/error.h"

namespace dml::launch {

struct ChildSpec {
  std::string name;               // "rank 1": how messages refer to the child
  std::vector<std::string> argv;  // argv[0] without '/' is looked up in PATH
  // Added to the inherited environment; a name already there is replaced.
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;    // empty: the supervisor's
  std::string stdout_prefix;  // put before each line of output ("[rank 1] ")
  std::string stderr_prefix;
  // CPUs the child may run on (sched_setaffinity); empty: the supervisor's.
  std::vector<int> cpus;
};

struct SpawnedChild {
  pid_t pid = -1;
  int stdout_fd = -1;  // read ends of the child's stdout and stderr pipes
  int stderr_fd = -1;
  std::optional<base::Error> error;  // set iff the child could not be started
  bool ok() const { return !error; }
};

// Forks and execs `spec`. The child leads its own process group (so that a
// signal to the group reaches anything it starts) and dies with the
// supervisor (PR_SET_PDEATHSIG) so that no rank outlives it. Exec failures
// ("No such file") come back as `error`, not as an exit status.
SpawnedChild SpawnChild(const ChildSpec& spec);

// Searches PATH like execvp; empty when nothing executable is found.
std::string ResolveExecutable(const std::string& program);

}  // namespace dml::launch
