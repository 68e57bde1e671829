// Data-parallel training of a plan's TrainSpec on one rank. The launcher
// calls RunTraining once per rank (a process, or a thread in tests) with a
// ready process group; everything below is in lockstep across ranks.
#pragma once

#include "runtime/dist/torch_compat.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "runtime/base/error.h"
#include "runtime/collective/comm.h"
#include "runtime/plan/plan.h"
#include "runtime/train/checkpoint.h"

namespace dml::train {

struct TrainOptions {
  int rank = 0;
  int world_size = 1;
  dist::torch_compat::GroupPtr process_group;  // Gloo; null only when world_size == 1
  // Make groups and Gloo contexts of some ranks (the hierarchical
  // allreduce's, for ranks on several nodes); optional.
  collective::SubgroupFactory subgroups;
  collective::NetworkFactory networks;
  int epochs_override = 0;     // > 0 replaces spec.epochs (dmlrun --epochs)
  int threads = 1;             // torch intra-op threads for this rank
  std::string metrics_path;    // rank 0 appends JSON lines here when non-empty
  // Rank 0 writes model.pt, metrics.jsonl and result.json here at the end
  // when non-empty (train/output_dir.h).
  std::string output_dir;
  // Every rank writes its steps' timestamps to <step_trace_dir>/rank-<R>.tsv
  // at the end when non-empty (train/step_trace.h).
  std::string step_trace_dir;
  std::ostream* log = nullptr; // rank 0 writes human-readable lines here when non-null
  // Set (by a signal handler) to ask for a clean stop: the ranks agree on a
  // step, rank 0 writes a checkpoint there and RunTraining returns
  // `interrupted`. All ranks or none must have one: agreeing is a collective.
  const std::atomic<int>* stop_requested = nullptr;
  // Continue from spec.checkpoint.dir's checkpoint (same weights as a run
  // that was never interrupted, at the same world size).
  ResumeMode resume = ResumeMode::kNo;
  // Fault injection for tests and debugging (DML_FAULT_INJECT).
  std::function<void(int64_t optimizer_steps)> after_step;
  CheckpointWriteHooks checkpoint_hooks;
};

// Ranks check for a stop request every this many steps (one tiny allreduce).
inline constexpr int64_t kStopCheckInterval = 16;

struct TrainResult {
  bool ok = false;
  std::optional<base::Error> error;  // set when !ok
  double test_accuracy = 0;
  double final_loss = 0;
  int epochs = 0;
  double train_seconds = 0;
  double samples_per_second = 0;
  // Stopped on request (stop_requested) after saving a checkpoint; `error`
  // says where. Not ok: the job is not finished.
  bool interrupted = false;
  // The error came from a library exception (a collective that failed because
  // a peer died or timed out), not from a check of ours.
  bool aborted = false;
};

// Never throws: bad specs, unreadable data and failed collectives all come
// back as TrainResult::error. Sets torch's intra-op thread count (process-wide).
TrainResult RunTraining(const plan::TrainSpec& spec, const TrainOptions& options);

}  // namespace dml::train
