#include "runtime/launch/train_job.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "runtime/dist/health_monitor.h"
#include "runtime/dist/world.h"
#include "runtime/launch/error_output.h"
#include "runtime/launch/exit_codes.h"
#include "runtime/launch/launcher.h"
#include "runtime/launch/rank_process.h"
#include "runtime/launch/restarts.h"
#include "runtime/launch/supervisor.h"
#include "runtime/launch/system_info.h"

namespace dml::launch {
namespace {

using Clock = std::chrono::steady_clock;

// How long a supervisor may spend telling the store that a child died.
constexpr std::chrono::milliseconds kReportTimeout{1000};

// Rank 0 reports its result to the supervisor through this file.
class ResultFile {
 public:
  ResultFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dmlrun-result-XXXXXX").string();
    int fd = mkstemp(pattern.data());
    if (fd >= 0) {
      close(fd);
      path_ = pattern;
    }
  }
  ~ResultFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --threads, else the plan's, else a fair share of the cores; never more than
// that share, so that this node's ranks x threads never outnumber its cores.
ThreadChoice ThreadsPerRank(const JobContext& context, int ranks_here, int cores) {
  int requested = context.options.threads;
  if (requested <= 0) requested = context.plan.train->threads_per_rank;
  return ChooseThreadsPerRank(requested, cores, ranks_here);
}

std::string SelfExecutable() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "/proc/self/exe" : self.string();
}

void PrintSummary(const JobContext& context, const std::string& result_path, double wall_s) {
  std::ifstream file(result_path);
  nlohmann::json record = nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded() || !record.is_object()) {
    context.out() << fmt::format("dmlrun: done in {:.1f} s\n", wall_s);
    return;
  }
  context.out() << fmt::format(
      "dmlrun: done: test accuracy {:.4f} after {} epoch(s) on {} rank(s); training {:.1f} s "
      "({:.0f} samples/s); wall time {:.1f} s\n",
      record.value("test_accuracy", 0.0), record.value("epochs", 0), record.value("world_size", 0),
      record.value("train_seconds", 0.0), record.value("samples_per_second", 0.0), wall_s);
}

}  // namespace

int RunTrainJob(const JobContext& context) {
  const auto start = Clock::now();
  dist::QuietLibraryLogging();  // ReportFailure's client would log through glog
  const plan::Plan& plan = context.plan;
  const LaunchOptions& options = context.options;
  std::vector<RankSlot> slots = RankSlots(context.nodes_here);
  const int cores = AvailableCores();
  const ThreadChoice thread_choice = ThreadsPerRank(context, static_cast<int>(slots.size()), cores);
  const int threads = thread_choice.threads;

  context.out() << fmt::format(
      "dmlrun: job {}: world size {} on {} node(s){}; here {} rank(s) x {} thread(s) on {} "
      "core(s); BLAS: {}\n",
      plan.job, plan::WorldSize(plan), plan::NodeCount(plan),
      options.local ? " (local, loopback)" : fmt::format(", this is node {}", options.node_rank),
      slots.size(), threads, cores, DescribeBlas())
                << std::flush;  // children write to the same stdout from now on
  if (!thread_choice.note.empty()) context.out() << "dmlrun: note: " << thread_choice.note << "\n" << std::flush;
  // Only ranks that wait on each other need keeping apart; a lone rank is
  // left to the scheduler, so that independent jobs on one machine do not
  // all pile onto the first core.
  const bool pin = options.pin && slots.size() >= 2;
  const std::vector<std::vector<int>> pins =
      pin ? PinRanks(AvailableCpus(), static_cast<int>(slots.size()), threads) : std::vector<std::vector<int>>{};
  if (!pins.empty()) {
    std::string where;
    for (size_t i = 0; i < pins.size(); ++i) {
      where += fmt::format("{}{} -> cpu {}", i == 0 ? "" : ", ", RankName(slots[i].global_rank),
                           fmt::join(pins[i], ","));
    }
    context.out() << "dmlrun: pinned " << where << "\n" << std::flush;
  }

  ResultFile result_file;
  if (context.hosts_rank_zero() && !options.metrics_path.empty()) {
    // One run per metrics file: its last record is this run's result.
    std::ofstream truncate(options.metrics_path, std::ios::trunc);
    if (!truncate) {
      context.err() << ErrorLine(base::Error(fmt::format("--metrics: cannot write {}", options.metrics_path)));
      return kExitUsage;
    }
  }

  const std::string executable = SelfExecutable();
  auto make_children = [&](int attempt) {
    std::vector<ChildSpec> children;
    for (size_t i = 0; i < slots.size(); ++i) {
      const RankSlot& slot = slots[i];
      RankOptions rank;
      rank.plan_path = std::filesystem::absolute(options.plan_path).string();
      rank.local = options.local;
      rank.node_rank = slot.node_rank;
      rank.local_rank = slot.local_rank;
      rank.threads = threads;
      rank.epochs = options.epochs;
      rank.metrics_path = options.metrics_path;
      if (slot.global_rank == 0) rank.result_path = result_file.path();
      rank.checkpoint_dir = options.checkpoint_dir;
      rank.resume = options.resume;
      rank.resume_if_present = attempt > 0 && !options.resume;
      ChildSpec child;
      child.name = RankName(slot.global_rank);
      child.argv = RankCommandLine(executable, rank);
      // OpenMP-threaded BLAS would otherwise start one thread per core per rank.
      child.env = {{"OMP_NUM_THREADS", std::to_string(threads)}};
      // OpenMP's idle workers spin by default: on a node where anything else
      // wants a core (another rank, the OS), a 3-epoch run measured 30x
      // slower with 2 threads. Sleeping workers cost a wake-up instead. A
      // policy set by the user wins.
      if (getenv("OMP_WAIT_POLICY") == nullptr) child.env.emplace_back("OMP_WAIT_POLICY", "PASSIVE");
      if (!pins.empty()) child.cpus = pins[i];
      child.stdout_prefix = slot.global_rank == 0 ? "" : "[" + child.name + "] ";
      child.stderr_prefix = "[" + child.name + "] ";
      children.push_back(std::move(child));
    }
    return children;
  };

  RestartOptions restarts;
  restarts.max_restarts = plan.max_restarts;
  const bool has_checkpoints =
      !options.checkpoint_dir.empty() || !plan.train->checkpoint.dir.empty();
  restarts.resumes_from = has_checkpoints ? "from the last checkpoint"
                                          : "from the beginning (no checkpoint directory is set)";
  SupervisorOptions& supervisor = restarts.supervisor;
  supervisor.deadline = std::chrono::milliseconds(static_cast<int64_t>(plan.timeouts.job_s * 1000));
  supervisor.stop_exit_code = kExitInterrupted;
  // Ranks elsewhere learn of a death here at once, not after a heartbeat timeout.
  supervisor.on_child_failure = [&](size_t child, const std::string& reason) {
    const RankSlot& slot = slots.at(child);
    const plan::NodeInfo* node = nullptr;
    for (const plan::NodeInfo& candidate : context.nodes_here) {
      if (candidate.node_rank == slot.node_rank) node = &candidate;
    }
    std::string where = node != nullptr ? fmt::format(" on node {} ({} #{})", node->node_rank,
                                                      node->group, node->index_in_group)
                                        : "";
    dist::ReportFailure(plan.cluster.master_addr, static_cast<uint16_t>(plan.cluster.port),
                        reason + where, kReportTimeout);
  };
  SupervisorResult outcome = SuperviseWithRestarts(context, make_children, restarts);
  double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (outcome.stopped_on_request) {
    context.err() << fmt::format(
        "dmlrun: {}stopped on request after {:.1f} s; every rank stopped after the same step{}\n",
        options.local ? "" : fmt::format("node {}: ", options.node_rank), wall_s,
        has_checkpoints ? " (continue with --resume)" : "");
    return kExitInterrupted;
  }
  if (!outcome.ok) {
    context.err() << ErrorLine(AtThisNode(options, outcome.error.value_or(base::Error(""))),
                               fmt::format("; the job failed after {:.1f} s", wall_s));
    return kExitJobFailed;
  }
  if (context.hosts_rank_zero()) {
    PrintSummary(context, result_file.path(), wall_s);
  } else {
    context.out() << fmt::format("dmlrun: node {}: all ranks finished in {:.1f} s\n",
                                 options.node_rank, wall_s);
  }
  return kExitSuccess;
}

}  // namespace dml::launch
