// A user's own program (kind: command): check the repo out, then start the
// entrypoint once per local rank with the environment torchrun and
// Lightning read, under the same supervisor as training ranks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/launch/job_context.h"
#include "runtime/launch/launcher.h"

namespace dml::launch {

// Where the ranks meet and which NIC Gloo should use.
struct CommandEndpoint {
  std::string master_addr;
  int master_port = 0;
  std::string interface;  // GLOO_SOCKET_IFNAME
};

// The torchrun variables for one rank (MASTER_ADDR ... GLOO_SOCKET_IFNAME).
std::vector<std::pair<std::string, std::string>> TorchrunEnvironment(
    const CommandEndpoint& endpoint, const RankSlot& slot, int world_size);

// `python entrypoint args...` for *.py (`python`: the checkout's venv or the
// plan's interpreter), else the entrypoint itself.
std::vector<std::string> EntrypointCommandLine(const plan::CommandSpec& command,
                                               const std::string& repo_dir,
                                               const std::string& python);

// Returns an ExitCode.
int RunCommandJob(const JobContext& context);

}  // namespace dml::launch
