// What the user asked dmlrun for, as one options object shared by the
// launch paths (node, local) and the hidden per-rank entry point.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::launch {

inline constexpr char kDefaultWorkdir[] = "dml-work";

struct LaunchOptions {
  std::string plan_path;
  bool local = false;   // every node of the plan on this machine, over loopback
  int node_rank = 0;    // node mode: which node this machine is
  int epochs = 0;       // > 0: replaces the plan's epoch count
  std::string metrics_path;  // JSON lines from rank 0
  int threads = 0;      // > 0: torch threads per rank
  std::string workdir = kDefaultWorkdir;  // command jobs clone their repo here
  bool resume = false;          // continue from the checkpoint (training jobs)
  bool pin = true;              // training ranks get their own cores (when they fit)
  std::string checkpoint_dir;   // non-empty: replaces train.checkpoint.dir
  // Training: where rank 0 writes model.pt, metrics.jsonl and result.json;
  // empty: <workdir>/<job>/output.
  std::string output_dir;
  std::string step_trace_dir;   // non-empty: every rank writes its step timestamps here
  std::ostream* out = nullptr;  // progress and results (default std::cout)
  std::ostream* err = nullptr;  // errors (default std::cerr)
};

// One rank, as the supervisor starts it (`dmlrun rank ...`).
struct RankOptions {
  std::string plan_path;
  bool local = false;
  int node_rank = 0;
  int local_rank = 0;
  int threads = 1;
  int epochs = 0;
  std::string metrics_path;
  std::string result_path;  // rank 0 writes its TrainResult here as JSON
  std::string checkpoint_dir;  // non-empty: replaces train.checkpoint.dir
  std::string output_dir;      // rank 0: the job's output directory (absolute)
  std::string step_trace_dir;  // non-empty: this rank writes rank-<R>.tsv there (absolute)
  int port = 0;  // > 0: the rendezvous port instead of the plan's (local mode's free one)
  bool resume = false;             // --resume: the checkpoint must exist
  bool resume_if_present = false;  // a restart: continue from it if it exists
};

struct PlanLoad {
  std::optional<plan::Plan> plan;
  std::vector<base::Error> errors;  // at the plan's file and field; non-empty iff !plan
};

// Reads and validates the plan; in local mode points the master at 127.0.0.1
// and the subnet at loopback, so that every later step is the same code.
PlanLoad LoadPlanForLaunch(const std::string& path, bool local);

}  // namespace dml::launch
