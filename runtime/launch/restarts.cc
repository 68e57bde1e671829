#include "runtime/launch/restarts.h"

#include <fmt/format.h>

#include <thread>

#include "runtime/launch/exit_codes.h"
#include "runtime/launch/fault_injection.h"

namespace dml::launch {
namespace {

using Clock = std::chrono::steady_clock;

// Why a failed attempt must not be repeated; empty when a restart may help.
std::string NoRestartReason(const SupervisorResult& result) {
  if (result.interrupted_by != 0) return "dmlrun itself was asked to stop";
  if (result.stopped_on_request) return "the ranks stopped on request";
  for (const ChildOutcome& child : result.children) {
    if (!child.stopped_by_supervisor && child.exited && child.exit_code == kExitUsage) {
      return fmt::format("{} reported a usage error, which a restart cannot fix", child.name);
    }
  }
  return "";
}

}  // namespace

SupervisorResult SuperviseWithRestarts(
    const JobContext& context,
    const std::function<std::vector<ChildSpec>(int attempt)>& make_children,
    const RestartOptions& options) {
  const auto start = Clock::now();
  const std::string where =
      context.options.local ? "" : fmt::format("node {}: ", context.options.node_rank);
  for (int attempt = 0;; ++attempt) {
    std::vector<ChildSpec> children = make_children(attempt);
    for (ChildSpec& child : children) {
      child.env.push_back({kRestartAttemptEnv, std::to_string(attempt)});
      child.env.push_back({kTorchRestartCountEnv, std::to_string(attempt)});
    }
    SupervisorOptions supervisor = options.supervisor;
    if (supervisor.deadline.count() > 0) {
      auto used = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      supervisor.deadline = std::max(std::chrono::milliseconds(1), supervisor.deadline - used);
    }
    SupervisorResult result = Supervise(children, supervisor);
    if (result.ok || result.stopped_on_request) return result;
    std::string refuse = NoRestartReason(result);
    if (attempt >= options.max_restarts || !refuse.empty()) {
      if (options.max_restarts > 0 && !refuse.empty()) {
        context.err() << fmt::format("dmlrun: {}not restarting: {}\n", where, refuse);
      } else if (options.max_restarts > 0) {
        context.err() << fmt::format("dmlrun: {}giving up after {} restart(s) (job.max_restarts)\n",
                                     where, options.max_restarts);
      }
      return result;
    }
    context.err() << fmt::format("dmlrun: {}{}; restarting {} (restart {} of {}) in {:.0f} s\n",
                                 where, base::Render(result.error), options.resumes_from, attempt + 1,
                                 options.max_restarts, kRestartDelay.count() / 1000.0)
                  << std::flush;
    std::this_thread::sleep_for(kRestartDelay);
  }
}

}  // namespace dml::launch
