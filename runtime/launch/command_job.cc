#include "runtime/launch/command_job.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "runtime/dist/interface.h"
#include "runtime/launch/error_output.h"
#include "runtime/launch/exit_codes.h"
#include "runtime/launch/rank_children.h"
#include "runtime/launch/repo_checkout.h"

namespace dml::launch {
namespace {

using Clock = std::chrono::steady_clock;

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> TorchrunEnvironment(
    const CommandEndpoint& endpoint, const RankSlot& slot, int world_size) {
  return {
      {"MASTER_ADDR", endpoint.master_addr},
      {"MASTER_PORT", std::to_string(endpoint.master_port)},
      {"WORLD_SIZE", std::to_string(world_size)},
      {"NODE_RANK", std::to_string(slot.node_rank)},
      {"RANK", std::to_string(slot.global_rank)},
      {"LOCAL_RANK", std::to_string(slot.local_rank)},
      {"LOCAL_WORLD_SIZE", std::to_string(slot.local_world_size)},
      {"GLOO_SOCKET_IFNAME", endpoint.interface},
      // Ranks write to a pipe; unbuffered output shows progress as it happens.
      {"PYTHONUNBUFFERED", "1"},
  };
}

std::vector<std::string> EntrypointCommandLine(const plan::CommandSpec& command,
                                               const std::string& repo_dir,
                                               const std::string& python) {
  std::string entrypoint = (std::filesystem::path(repo_dir) / command.entrypoint).string();
  std::vector<std::string> argv;
  if (EndsWith(command.entrypoint, ".py")) argv.push_back(python);
  argv.push_back(entrypoint);
  argv.insert(argv.end(), command.args.begin(), command.args.end());
  return argv;
}

int RunCommandJob(const JobContext& context) {
  const auto start = Clock::now();
  const plan::Plan& plan = context.plan;
  const LaunchOptions& options = context.options;
  if (!plan.command) {
    context.err() << base::Error::InPlan(options.plan_path, "command", "missing for a job of kind command").Render()
                  << "\n";
    return kExitUsage;
  }
  if (options.epochs > 0 || !options.metrics_path.empty() || options.threads > 0 ||
      options.resume || !options.checkpoint_dir.empty() || !options.step_trace_dir.empty()) {
    context.err() << "dmlrun: note: --epochs, --metrics, --threads, --resume, --checkpoint-dir and --step-trace "
                     "apply to training jobs; ignored for a command job\n";
  }
  dist::InterfaceChoice interface = dist::SelectInterface(plan.cluster.subnet);
  if (!interface.ok()) {
    context.err() << ErrorLine(*interface.error);
    return kExitJobFailed;
  }
  std::vector<RankSlot> slots = RankSlots(context.nodes_here);
  context.out() << fmt::format(
      "dmlrun: job {}: {} at {} on world size {}{}; here {} rank(s); interface {} ({})\n",
      plan.job, plan.command->entrypoint, plan.command->repo, plan::WorldSize(plan),
      options.local ? " (local, loopback)" : fmt::format(", this is node {}", options.node_rank),
      slots.size(), interface.interface.name, interface.interface.address)
                << std::flush;  // children write to the same stdout from now on

  CheckoutOptions checkout;
  checkout.workdir = options.workdir;
  checkout.name = fmt::format("{}/{}", plan.job,
                              options.local ? "local" : fmt::format("node{}", options.node_rank));
  CheckoutResult repo = CheckoutRepo(*plan.command, checkout);
  if (!repo.ok()) {
    context.err() << ErrorLine(*repo.error);
    return kExitJobFailed;
  }

  CommandEndpoint endpoint{plan.cluster.master_addr, plan.cluster.port, interface.interface.name};
  auto fill = [&](size_t index, int /*attempt*/, ChildSpec& child) {
    child.argv = EntrypointCommandLine(*plan.command, repo.repo_dir, repo.python);
    child.env = TorchrunEnvironment(endpoint, slots[index], plan::WorldSize(plan));
    if (!repo.venv_dir.empty()) {
      // As `source bin/activate` would: the script's own subprocesses
      // (pip, python3) find the venv first.
      const char* path = std::getenv("PATH");
      child.env.push_back({"VIRTUAL_ENV", repo.venv_dir});
      child.env.push_back({"PATH", repo.venv_dir + "/bin" + (path != nullptr ? std::string(":") + path : "")});
    }
    child.working_dir = repo.repo_dir;
  };
  SupervisorResult outcome = SuperviseRanks(context, slots, fill, PlanRestarts(plan, "the entrypoint"));
  double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (!outcome.ok) {
    context.err() << ErrorLine(AtThisNode(options, outcome.error.value_or(base::Error(""))),
                               fmt::format("; the job failed after {:.1f} s", wall_s));
    return kExitJobFailed;
  }
  context.out() << fmt::format("dmlrun: done: {} rank(s) finished in {:.1f} s\n", slots.size(),
                               wall_s);
  return kExitSuccess;
}

}  // namespace dml::launch
