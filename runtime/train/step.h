// One data-parallel training step and the sharded evaluation: the pieces of
// the loop that ranks must perform in lockstep.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/collective/comm.h"
#include "runtime/collective/hierarchical_allreduce.h"
#include "runtime/collective/local_allreduce.h"
#include "runtime/model/model.h"
#include "runtime/train/flat_optimizer.h"
#include "runtime/train/pass.h"
#include "runtime/train/step_trace.h"

namespace dml::train {

// How gradients travel between ranks.
enum class GradientSync {
  // shared memory when every rank is on this machine; else, ranks on several
  // nodes, the hierarchical exchange (shared memory in each node, Gloo's
  // halving-doubling on the training thread between them); else the process
  // group (Gloo)
  kAuto,
  kProcessGroup,  // always the process group
};

struct StepOptions {
  GradientSync sync = GradientSync::kAuto;
  // Longest wait for the other ranks in a shared-memory allreduce (a dead
  // peer is noticed at once; this catches a stalled one). Gloo's own
  // collective timeout applies on the other path.
  std::chrono::milliseconds local_timeout{std::chrono::minutes(5)};
  // The hierarchical path's node key (HierarchyOptions::node_key): 0 in
  // production; tests fake nodes with it (then the ranks never count as one host).
  int64_t node_key = 0;
  // When set, every step's timestamps are recorded there (dmlrun --step-trace).
  StepTrace* trace = nullptr;
};

class TrainStep {
 public:
  // `pass` computes each step's gradient; null: MakePass for the model's kind.
  TrainStep(model::Model& model, FlatOptimizer& optimizer, collective::Communicator& comm, StepOptions options = {},
            std::unique_ptr<Pass> pass = nullptr);

  // Forward, cross-entropy, backward straight into the flat gradient buffer
  // (the Pass: hand-written for an mlp, autograd otherwise), ONE allreduce of
  // that buffer averaged over the step's rows, optimizer step. `x` is
  // sample-major [rows x input_features], read in the model's input shape;
  // `labels` [rows] in [0, classes). Returns this rank's mean loss (0 for
  // no rows). Allocates nothing once it has seen its largest batch. The
  // first call at world > 1 is also where the ranks agree on the
  // shared-memory path (collectively).
  //
  // `all_rows`: every rank's rows this step together; 0 means rows x world
  // (every rank the same). A rank's gradient counts in proportion to its
  // rows, so ranks with uneven parts of a global batch (or none) still make
  // the step's gradient the mean over all its rows.
  //
  // `stop_vote`: this rank's wish to stop after this step. Where the step
  // can carry it at no cost (one rank, or the shared-memory allreduce),
  // stop_voted() then tells whether any rank voted to stop.
  double Run(const float* x, const int64_t* labels, int64_t rows, bool stop_vote = false, int64_t all_rows = 0);

  // The same on tensors: x float32 [rows, input_shape...] (or [rows,
  // input_features]), y int64 [rows].
  double Run(const torch::Tensor& x, const torch::Tensor& y);

  // After the first step: whether gradients go through shared memory (then
  // the model's flat gradient buffer is not used: each rank's gradient is
  // in its shared slot, and the optimizer applies their sum).
  bool uses_shared_memory() const { return local_ != nullptr; }

  // After a step: whether it carried the ranks' stop votes (the same answer
  // on every rank), and if so whether any rank voted to stop.
  bool votes_every_step() const { return comm_.world_size() == 1 || local_ != nullptr || hierarchy_ != nullptr; }

  // After the first step: how gradients travel, for the log
  // ("shared memory", "hierarchical: 2 nodes x 2 ranks", "Gloo").
  std::string exchange() const;
  bool stop_voted() const { return stop_voted_; }

 private:

  model::Model& model_;
  FlatOptimizer& optimizer_;
  collective::Communicator& comm_;
  StepOptions options_;
  std::unique_ptr<Pass> pass_;
  bool sync_chosen_ = false;
  std::unique_ptr<collective::LocalAllreduce> local_;
  std::unique_ptr<collective::HierarchicalAllreduce> hierarchy_;
  // This rank's gradient into `out` (null: the model's flat_grads()),
  // scaled by `multiplier`; zeros for no rows.
  double Backward(const float* x, const int64_t* labels, int64_t rows, float multiplier, float* out);

  std::string hierarchy_declined_;  // why not hierarchical, when it was considered
  bool stop_voted_ = false;
};

struct EvalResult {
  int64_t correct = 0;
  int64_t total = 0;
  double loss_sum = 0;  // summed cross-entropy
  double accuracy() const { return total > 0 ? static_cast<double>(correct) / total : 0.0; }
  double mean_loss() const { return total > 0 ? loss_sum / total : 0.0; }
};

// Evaluates this rank's slice of (images, labels) and sums the counts over
// all ranks, so every rank returns the whole set's result.
// `images` are [N, input_features] (or [N, input_shape...]).
EvalResult Evaluate(model::Model& model, const torch::Tensor& images, const torch::Tensor& labels,
                    collective::Communicator& comm);

}  // namespace dml::train
