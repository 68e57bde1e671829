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
#include "runtime/launch/rank_children.h"
#include "runtime/launch/rank_process.h"
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

// Where rank 0 writes model.pt, metrics.jsonl and result.json: --output, else
// <workdir>/<job>/output; absolute, since the ranks get it on their command line.
std::string OutputDir(const JobContext& context) {
  std::filesystem::path dir = context.options.output_dir.empty()
                                  ? std::filesystem::path(context.options.workdir) / context.plan.job / "output"
                                  : std::filesystem::path(context.options.output_dir);
  std::error_code ignored;
  std::filesystem::path absolute = std::filesystem::absolute(dir, ignored);
  return (absolute.empty() ? dir : absolute).lexically_normal().string();
}

// Created before the ranks start, so that a directory that cannot be made
// fails the job now, not after its training. False (and the error printed)
// when it cannot be.
bool StartOutputDir(const JobContext& context, const std::string& dir) {
  if (!context.hosts_rank_zero()) return true;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    context.err() << ErrorLine(base::Error::InFile(
        dir, fmt::format("--output: cannot create the output directory: {}", ec ? ec.message() : "not a directory")));
    return false;
  }
  return true;
}

void PrintSummary(const JobContext& context, const std::string& result_path, const std::string& output_dir,
                  double wall_s) {
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
  context.out() << fmt::format("dmlrun: trained model: {}/model.pt (with metrics.jsonl and result.json)\n",
                               output_dir);
}

// This node's ranks, their threads and the CPUs each is pinned to.
struct RankLayout {
  std::vector<RankSlot> slots;
  int threads = 1;
  std::vector<std::vector<int>> pins;  // per slot; empty: none pinned
};

// Only ranks that wait on each other need keeping apart; a lone rank is
// left to the scheduler, so that independent jobs on one machine do not
// all pile onto the first core. Says where each rank went.
std::vector<std::vector<int>> PinRanksHere(const JobContext& context, const std::vector<RankSlot>& slots,
                                           int threads) {
  const bool pin = context.options.pin && slots.size() >= 2;
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
  return pins;
}

// Chooses the threads per rank and the pins, printing the job's header line
// (world, ranks x threads, cores, BLAS), the thread note and the pins.
RankLayout LayOutRanks(const JobContext& context) {
  const plan::Plan& plan = context.plan;
  const LaunchOptions& options = context.options;
  RankLayout layout;
  layout.slots = RankSlots(context.nodes_here);
  const int cores = AvailableCores();
  const ThreadChoice thread_choice = ThreadsPerRank(context, static_cast<int>(layout.slots.size()), cores);
  layout.threads = thread_choice.threads;

  context.out() << fmt::format(
      "dmlrun: job {}: world size {} on {} node(s){}; here {} rank(s) x {} thread(s) on {} "
      "core(s); BLAS: {}\n",
      plan.job, plan::WorldSize(plan), plan::NodeCount(plan),
      options.local ? " (local, loopback)" : fmt::format(", this is node {}", options.node_rank),
      layout.slots.size(), layout.threads, cores, DescribeBlas())
                << std::flush;  // children write to the same stdout from now on
  if (!thread_choice.note.empty()) context.out() << "dmlrun: note: " << thread_choice.note << "\n" << std::flush;
  layout.pins = PinRanksHere(context, layout.slots, layout.threads);
  return layout;
}

// One run per metrics file: its last record is this run's result. False
// (and the error printed) when the file cannot be written.
bool StartMetricsFile(const JobContext& context) {
  const LaunchOptions& options = context.options;
  if (!context.hosts_rank_zero() || options.metrics_path.empty()) return true;
  std::ofstream truncate(options.metrics_path, std::ios::trunc);
  if (!truncate) {
    context.err() << ErrorLine(base::Error(fmt::format("--metrics: cannot write {}", options.metrics_path)));
    return false;
  }
  return true;
}

// What `dmlrun rank` gets from the user's options for the rank in `slot`; a
// restart (attempt > 0) continues from a checkpoint if there is one.
RankOptions RankOptionsFor(const LaunchOptions& options, const RankSlot& slot, int threads, int attempt) {
  RankOptions rank;
  rank.plan_path = std::filesystem::absolute(options.plan_path).string();
  rank.local = options.local;
  rank.node_rank = slot.node_rank;
  rank.local_rank = slot.local_rank;
  rank.threads = threads;
  rank.epochs = options.epochs;
  rank.metrics_path = options.metrics_path;
  rank.checkpoint_dir = options.checkpoint_dir;
  if (!options.step_trace_dir.empty()) {
    rank.step_trace_dir = std::filesystem::absolute(options.step_trace_dir).string();
  }
  rank.resume = options.resume;
  rank.resume_if_present = attempt > 0 && !options.resume;
  return rank;
}

// A training rank's child: `dmlrun rank ...`, its OpenMP settings and CPUs;
// rank 0 writes its result to `result_path`.
FillRankChild RankProcess(const JobContext& context, const RankLayout& layout, const std::string& result_path,
                          const std::string& output_dir) {
  return [&context, &layout, result_path, output_dir, executable = SelfExecutable()](size_t i, int attempt,
                                                                                      ChildSpec& child) {
    const RankSlot& slot = layout.slots[i];
    RankOptions rank = RankOptionsFor(context.options, slot, layout.threads, attempt);
    if (context.options.local) rank.port = context.plan.cluster.port;
    if (slot.global_rank == 0) {
      rank.result_path = result_path;
      rank.output_dir = output_dir;
    }
    child.argv = RankCommandLine(executable, rank);
    // OpenMP-threaded BLAS would otherwise start one thread per core per rank.
    child.env = {{"OMP_NUM_THREADS", std::to_string(layout.threads)}};
    // OpenMP's idle workers spin by default: on a node where anything else
    // wants a core (another rank, the OS), a 3-epoch run measured 30x
    // slower with 2 threads. Sleeping workers cost a wake-up instead. A
    // policy set by the user wins.
    if (getenv("OMP_WAIT_POLICY") == nullptr) child.env.emplace_back("OMP_WAIT_POLICY", "PASSIVE");
    if (!layout.pins.empty()) child.cpus = layout.pins[i];
  };
}

bool HasCheckpoints(const JobContext& context) {
  return !context.options.checkpoint_dir.empty() || !context.plan.train->checkpoint.dir.empty();
}

// The plan's restarts, where a rank that stopped on request has not failed,
// and ranks elsewhere learn of a death here at once, not after a heartbeat
// timeout.
RestartOptions TrainRestarts(const JobContext& context, const std::vector<RankSlot>& slots) {
  const plan::Plan& plan = context.plan;
  RestartOptions restarts = PlanRestarts(plan, HasCheckpoints(context)
                                                   ? "from the last checkpoint"
                                                   : "from the beginning (no checkpoint directory is set)");
  restarts.supervisor.stop_exit_code = kExitInterrupted;
  restarts.supervisor.on_child_failure = [&context, &slots](size_t child, const std::string& reason) {
    const RankSlot& slot = slots.at(child);
    const plan::NodeInfo* node = nullptr;
    for (const plan::NodeInfo& candidate : context.nodes_here) {
      if (candidate.node_rank == slot.node_rank) node = &candidate;
    }
    std::string where = node != nullptr ? fmt::format(" on node {} ({} #{})", node->node_rank,
                                                      node->group, node->index_in_group)
                                        : "";
    dist::ReportFailure(context.plan.cluster.master_addr, static_cast<uint16_t>(context.plan.cluster.port),
                        reason + where, kReportTimeout);
  };
  return restarts;
}

// Says how the job ended (rank 0's node: its result); returns an ExitCode.
int ReportOutcome(const JobContext& context, const SupervisorResult& outcome, double wall_s,
                  const std::string& result_path, const std::string& output_dir) {
  const LaunchOptions& options = context.options;
  if (outcome.stopped_on_request) {
    context.err() << fmt::format(
        "dmlrun: {}stopped on request after {:.1f} s; every rank stopped after the same step{}\n",
        options.local ? "" : fmt::format("node {}: ", options.node_rank), wall_s,
        HasCheckpoints(context) ? " (continue with --resume)" : "");
    return kExitInterrupted;
  }
  if (!outcome.ok) {
    context.err() << ErrorLine(AtThisNode(options, outcome.error.value_or(base::Error(""))),
                               fmt::format("; the job failed after {:.1f} s", wall_s));
    return kExitJobFailed;
  }
  if (context.hosts_rank_zero()) {
    PrintSummary(context, result_path, output_dir, wall_s);
  } else {
    context.out() << fmt::format("dmlrun: node {}: all ranks finished in {:.1f} s\n",
                                 options.node_rank, wall_s);
  }
  return kExitSuccess;
}

}  // namespace

int RunTrainJob(const JobContext& context) {
  const auto start = Clock::now();
  dist::QuietLibraryLogging();  // ReportFailure's client would log through glog
  const RankLayout layout = LayOutRanks(context);
  ResultFile result_file;
  if (!StartMetricsFile(context)) return kExitUsage;
  const std::string output_dir = OutputDir(context);
  if (!StartOutputDir(context, output_dir)) return kExitUsage;
  SupervisorResult outcome =
      SuperviseRanks(context, layout.slots, RankProcess(context, layout, result_file.path(), output_dir),
                     TrainRestarts(context, layout.slots));
  double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return ReportOutcome(context, outcome, wall_s, result_file.path(), output_dir);
}

}  // namespace dml::launch
