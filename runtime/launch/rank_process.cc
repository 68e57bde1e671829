#include "runtime/launch/rank_process.h"

#include <unistd.h>

#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>

#include "runtime/dist/gloo_context.h"
#include "runtime/dist/health_monitor.h"
#include "runtime/dist/interface.h"
#include "runtime/dist/process_group.h"
#include "runtime/dist/rendezvous.h"
#include "runtime/dist/world.h"
#include "runtime/launch/error_output.h"
#include "runtime/launch/exit_codes.h"
#include "runtime/launch/fault_injection.h"
#include "runtime/launch/stop_request.h"
#include "runtime/train/trainer.h"

namespace dml::launch {
namespace {

// After a failed collective, how long (in silence limits) to wait for the
// failure detector to name the peer: it needs one limit to see silence.
constexpr double kVerdictWaitFactor = 1.5;

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The failure detector found a dead peer: this rank cannot finish, and must
// not wait in a collective until collective_s. Runs on the monitor's thread.
[[noreturn]] void AbortRank(int rank, const std::string& verdict) {
  std::string line = ErrorLine(base::Error::AtRank(rank, "stopping").CausedBy(base::Error(verdict)));
  (void)!write(STDERR_FILENO, line.data(), line.size());
  _exit(kExitJobFailed);
}

train::ResumeMode ResumeModeOf(const RankOptions& options) {
  if (options.resume) return train::ResumeMode::kRequired;
  if (options.resume_if_present) return train::ResumeMode::kIfPresent;
  return train::ResumeMode::kNo;
}

std::vector<std::string> RankLocations(const std::vector<plan::NodeInfo>& nodes) {
  std::vector<std::string> locations;
  for (const plan::NodeInfo& node : nodes) {
    for (int i = 0; i < node.procs; ++i) {
      locations.push_back(fmt::format("node {}, {} #{}", node.node_rank, node.group,
                                      node.index_in_group));
    }
  }
  return locations;
}

bool WriteResult(const std::string& path, const train::TrainResult& result, int world_size) {
  nlohmann::json record = {{"test_accuracy", result.test_accuracy},
                           {"final_loss", result.final_loss},
                           {"epochs", result.epochs},
                           {"world_size", world_size},
                           {"train_seconds", result.train_seconds},
                           {"samples_per_second", result.samples_per_second}};
  std::ofstream file(path, std::ios::trunc);
  file << record.dump() << "\n";
  return static_cast<bool>(file);
}

// How the rank ends: its exit code, and the error that ended it (none when
// it succeeded or stopped on request).
struct RankEnd {
  int code = kExitSuccess;
  std::optional<base::Error> error;
};

// This rank's plan and its place in the cluster.
struct RankPlace {
  plan::Plan plan;
  std::vector<plan::NodeInfo> nodes;
  plan::NodeInfo node;
  int rank = 0;
  int world_size = 0;
  plan::TrainSpec spec;  // the plan's, with --checkpoint-dir applied
};

// Loads the plan and finds this rank in it: success fills *place.
RankEnd FindRank(const RankOptions& options, std::optional<RankPlace>* place) {
  PlanLoad loaded = LoadPlanForLaunch(options.plan_path, options.local);
  if (!loaded.plan) return {kExitUsage, base::Error(base::RenderAll(loaded.errors))};
  const plan::Plan& plan = *loaded.plan;
  if (plan.kind != plan::JobKind::kTrain || !plan.train) {
    return {kExitUsage, base::Error::InPlan(options.plan_path, "kind", "the rank entry point runs training jobs only")};
  }
  std::vector<plan::NodeInfo> nodes = plan::ExpandNodes(plan);
  if (options.node_rank < 0 || options.node_rank >= static_cast<int>(nodes.size()) ||
      options.local_rank < 0 || options.local_rank >= nodes[options.node_rank].procs) {
    return {kExitUsage, base::Error(fmt::format("node rank {} / local rank {} is not in the plan's cluster",
                                                options.node_rank, options.local_rank))};
  }
  RankPlace& found = place->emplace();
  found.node = nodes[options.node_rank];
  found.rank = found.node.first_global_rank + options.local_rank;
  found.world_size = plan::WorldSize(plan);
  found.spec = *plan.train;
  if (!options.checkpoint_dir.empty()) found.spec.checkpoint.dir = options.checkpoint_dir;
  found.nodes = std::move(nodes);
  found.plan = std::move(*loaded.plan);
  if (options.port > 0) found.plan.cluster.port = options.port;  // local mode's free port
  return {};
}

train::TrainOptions TrainOptionsFor(const RankOptions& options, const RankPlace& place, const FaultHooks& faults) {
  train::TrainOptions train_options;
  train_options.stop_requested = InstallStopRequestHandlers();
  train_options.resume = ResumeModeOf(options);
  train_options.after_step = faults.after_step;
  train_options.checkpoint_hooks.half_written = faults.checkpoint_half_written;
  train_options.rank = place.rank;
  train_options.world_size = place.world_size;
  train_options.epochs_override = options.epochs;
  train_options.threads = options.threads;
  train_options.metrics_path = options.metrics_path;
  train_options.output_dir = options.output_dir;
  train_options.step_trace_dir = options.step_trace_dir;
  if (place.rank == 0) train_options.log = &std::cout;
  return train_options;
}

dist::WorldOptions WorldOptionsFor(const RankPlace& place, const dist::NetworkInterface& interface) {
  const plan::Plan& plan = place.plan;
  dist::WorldOptions world_options;
  world_options.rendezvous.master_addr = plan.cluster.master_addr;
  world_options.rendezvous.port = static_cast<uint16_t>(plan.cluster.port);
  world_options.rendezvous.rank = place.rank;
  world_options.rendezvous.world_size = place.world_size;
  world_options.rendezvous.timeout = Millis(plan.timeouts.rendezvous_s);
  world_options.rendezvous.self_description =
      fmt::format("node {}, {} {}", place.node.node_rank, interface.name, interface.address);
  world_options.rendezvous.expected_locations = RankLocations(place.nodes);
  world_options.interface = interface.name;
  world_options.collective_timeout = Millis(plan.timeouts.collective_s);
  return world_options;
}

// Groups of some ranks (a node's, the nodes' leaders') for the hierarchical
// allreduce: Gloo over the world's interface, keys under `prefix` in its store.
collective::SubgroupFactory SubgroupsOver(const c10::intrusive_ptr<c10d::Store>& store,
                                          const dist::WorldOptions& world_options) {
  return [store, world_options](const std::string& prefix, int r, int size) {
    return dist::MakeGlooProcessGroup(c10::make_intrusive<c10d::PrefixStore>(prefix, store),
                                      dist::GroupOptions(world_options, r, size))
        .process_group;
  };
}

// Gloo contexts of some ranks (the nodes' leaders) for the exchange between
// nodes: synchronous pairs over the world's interface, its collective timeout.
collective::NetworkFactory NetworksOver(const c10::intrusive_ptr<c10d::Store>& store,
                                        const dist::WorldOptions& world_options) {
  dist::GlooContextOptions options;
  options.interface = world_options.interface;
  options.timeout = world_options.collective_timeout;
  return dist::GlooContextsUnder(store, options);
}

dist::HealthOptions HealthOptionsFor(const RankPlace& place) {
  const plan::Plan& plan = place.plan;
  dist::HealthOptions health;
  health.master_addr = plan.cluster.master_addr;
  health.port = static_cast<uint16_t>(plan.cluster.port);
  health.rank = place.rank;
  health.world_size = place.world_size;
  health.rank_locations = RankLocations(place.nodes);
  health.silence_limit = Millis(plan.timeouts.heartbeat_s);
  health.on_failure = [rank = place.rank](const std::string& verdict) { AbortRank(rank, verdict); };
  return health;
}

// Joins the other ranks (rendezvous, Gloo process group) and starts the
// failure detector; sets the factories of subgroups and Gloo contexts the
// hierarchical allreduce builds.
RankEnd JoinRanks(const RankPlace& place, dist::World* world, std::unique_ptr<dist::HealthMonitor>* monitor,
                  collective::SubgroupFactory* subgroups, collective::NetworkFactory* networks) {
  const plan::Plan& plan = place.plan;
  dist::InterfaceChoice interface = dist::SelectInterface(plan.cluster.subnet);
  if (!interface.ok()) return {kExitJobFailed, interface.error};
  // Which NIC the ranks talk over, and why: a stack's log shows that its
  // traffic took the private network, not loopback or a public address.
  std::cout << fmt::format("dmlrun: rank {} on node {}: interface {} ({}), chosen by subnet {}\n", place.rank,
                           place.node.node_rank, interface.interface.name, interface.interface.address,
                           plan.cluster.subnet)
            << std::flush;
  const dist::WorldOptions world_options = WorldOptionsFor(place, interface.interface);
  *world = dist::JoinWorld(world_options);
  if (!world->ok()) return {kExitJobFailed, world->error};
  *subgroups = SubgroupsOver(world->store, world_options);
  *networks = NetworksOver(world->store, world_options);
  auto started = dist::HealthMonitor::Start(HealthOptionsFor(place));
  if (!started) return {kExitJobFailed, started.error()};
  *monitor = std::move(*started);
  return {};
}

// After training: waits for the failure detector's verdict if a collective
// failed, leaves the job, and reports how the rank ended.
RankEnd FinishRank(const RankOptions& options, const RankPlace& place, const train::TrainResult& result,
                   dist::HealthMonitor* monitor) {
  if (!result.ok && result.aborted && monitor != nullptr) {
    // A collective failed: the monitor learns which peer died (and ends this
    // process with that message) within about one silence limit.
    monitor->AwaitVerdict(Millis(place.plan.timeouts.heartbeat_s * kVerdictWaitFactor));
  }
  if (monitor != nullptr) monitor->Leave();
  if (result.interrupted) {
    if (place.rank == 0) std::cout << "dmlrun: " << base::Render(result.error) << std::endl;
    return {kExitInterrupted, std::nullopt};
  }
  if (!result.ok) return {kExitJobFailed, result.error};
  if (place.rank == 0 && !options.result_path.empty() &&
      !WriteResult(options.result_path, result, place.world_size)) {
    return {kExitJobFailed, base::Error(fmt::format("cannot write the result file {}", options.result_path))};
  }
  return {};
}

// The rank's work.
RankEnd Run(const RankOptions& options) {
  std::optional<RankPlace> place;
  RankEnd found = FindRank(options, &place);
  if (!place) return found;
  FaultHooks faults = FaultHooksFromEnvironment(place->rank);
  if (faults.error) return {kExitUsage, faults.error};
  train::TrainOptions train_options = TrainOptionsFor(options, *place, faults);
  dist::World world;  // outlives training: it owns the store rank 0 serves
  std::unique_ptr<dist::HealthMonitor> monitor;
  if (place->world_size > 1) {
    RankEnd joined = JoinRanks(*place, &world, &monitor, &train_options.subgroups, &train_options.networks);
    if (joined.code != kExitSuccess) return joined;
    train_options.process_group = world.process_group;
  }
  train::TrainResult result = train::RunTraining(place->spec, train_options);
  return FinishRank(options, *place, result, monitor.get());
}

}  // namespace

std::vector<std::string> RankCommandLine(const std::string& executable,
                                         const RankOptions& options) {
  std::vector<std::string> argv = {executable,
                                   kRankCommand,
                                   options.plan_path,
                                   "--node-rank",
                                   std::to_string(options.node_rank),
                                   "--local-rank",
                                   std::to_string(options.local_rank),
                                   "--threads",
                                   std::to_string(options.threads)};
  if (options.local) argv.push_back("--local");
  if (options.epochs > 0) argv.insert(argv.end(), {"--epochs", std::to_string(options.epochs)});
  if (!options.metrics_path.empty()) argv.insert(argv.end(), {"--metrics", options.metrics_path});
  if (!options.result_path.empty()) argv.insert(argv.end(), {"--result", options.result_path});
  if (!options.checkpoint_dir.empty()) {
    argv.insert(argv.end(), {"--checkpoint-dir", options.checkpoint_dir});
  }
  if (!options.output_dir.empty()) argv.insert(argv.end(), {"--output", options.output_dir});
  if (!options.step_trace_dir.empty()) argv.insert(argv.end(), {"--step-trace", options.step_trace_dir});
  if (options.port > 0) argv.insert(argv.end(), {"--port", std::to_string(options.port)});
  if (options.resume) argv.push_back("--resume");
  if (options.resume_if_present) argv.push_back("--resume-if-present");
  return argv;
}

int RunRank(const RankOptions& options) {
  dist::QuietLibraryLogging();
  // Output goes to the supervisor through a pipe: flush every line so that
  // progress shows as it happens and nothing is lost if the rank is killed.
  std::cout << std::unitbuf;
  RankEnd end;
  try {
    end = Run(options);
  } catch (const std::exception& exception) {
    end = {kExitJobFailed, base::Error(dist::DescribeException(exception))};
  }
  if (end.code != kExitSuccess) std::cerr << ErrorLine(end.error.value_or(base::Error(""))) << std::flush;
  return end.code;
}

}  // namespace dml::launch
