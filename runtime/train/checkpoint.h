// Checkpoints: the model's flat parameters, the optimizer's flat state, where
// training stood (epoch and step within it) and the random state, in one
// file written atomically (temporary file, fsync, rename, fsync of the
// folder), so a crash mid-write never destroys the previous checkpoint.
//
// Random state: the only randomness in training is the weights' init (from
// `seed`) and each epoch's shard order (from seed + epoch), so seed, epoch
// and step reproduce it exactly; torch's default CPU generator is saved too,
// for models that draw from it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/collective/comm.h"
#include "runtime/train/flat_optimizer.h"

namespace dml::train {

inline constexpr const char* kCheckpointFile = "checkpoint.pt";
// Bumped when the file's keys change meaning.
inline constexpr int64_t kCheckpointFormat = 2;

struct CheckpointData {
  int64_t epoch = 0;          // epochs completed
  int64_t step_in_epoch = 0;  // steps completed in epoch `epoch` (0: at its start)
  int64_t world_size = 1;
  int64_t batch_per_rank = 0;
  int64_t global_batch = 0;  // 0: batch_per_rank sized the steps (files without the key too)
  int64_t seed = 0;
  std::string optimizer_kind;
  int64_t optimizer_steps = 0;
  // The partial epoch's loss summed over ranks and steps, so that the resumed
  // epoch reports the same mean loss.
  double epoch_loss_sum = 0;
  double train_seconds = 0;  // training time so far, for throughput figures
  int64_t samples = 0;       // samples trained so far, all ranks
  torch::Tensor rng_state;   // torch's default CPU generator (uint8); may be undefined
  torch::Tensor params;                                            // flat
  std::vector<std::pair<std::string, torch::Tensor>> optimizer_state;  // flat, by name
};

// Fault injection for tests: called once half the temporary file is written
// (and flushed), i.e. exactly when a crash would leave a torn file.
struct CheckpointWriteHooks {
  std::function<void()> half_written;
};

// "<dir>/checkpoint.pt"
std::string CheckpointPath(const std::string& dir);

// Creates `dir` if needed. Returns an error at the path, or nothing.
// Temporary files that a crashed writer left in `dir` are removed first.
std::optional<base::Error> WriteCheckpoint(const std::string& dir, const CheckpointData& data,
                                          const CheckpointWriteHooks& hooks = {});

// Reads `path` INTO `into`: its params and each named optimizer_state tensor
// must exist and already have the checkpoint's shapes (they are copied into,
// so the caller's buffers stay the model's). Scalars are overwritten.
std::optional<base::Error> ReadCheckpoint(const std::string& path, CheckpointData* into);

// --- Across ranks. Only rank 0 touches the file (other nodes may not even
// see its disk); every rank calls these, in the same order.

// What a checkpoint must match to continue this run exactly.
struct RunIdentity {
  int64_t world_size = 1;      // mid-epoch: the shard order depends on it
  int64_t batch_per_rank = 0;  // mid-epoch: the step boundaries depend on it
  int64_t global_batch = 0;    // likewise (0: sized per rank)
  int64_t seed = 0;
  std::string optimizer_kind;
};

enum class ResumeMode {
  kNo,         // start from scratch
  kIfPresent,  // a restart: continue from the checkpoint if there is one
  kRequired,   // --resume: a missing checkpoint is an error
};

// Where training continues; the same on every rank.
struct ResumePoint {
  bool resumed = false;
  int64_t epoch = 0;
  int64_t step_in_epoch = 0;
  int64_t samples = 0;
  double epoch_loss_sum = 0;
  double train_seconds = 0;
  std::string note;  // for the log: what was resumed, or why nothing was
};

// Rank 0 reads `dir`'s checkpoint into `params` and the optimizer's state and
// checks it against `run`; then every rank receives those buffers and the
// position. An error on rank 0 reaches every rank.
std::optional<base::Error> RestoreCheckpoint(const std::string& dir, ResumeMode mode, const RunIdentity& run,
                                              torch::Tensor& params, FlatOptimizer& optimizer,
                                              collective::Communicator& comm, ResumePoint* point);

// Rank 0 writes `data` (which only rank 0 need fill in); every rank learns
// whether that worked, so a failed write stops the whole job.
std::optional<base::Error> SaveCheckpoint(const std::string& dir, const CheckpointData& data,
                                           collective::Communicator& comm, const CheckpointWriteHooks& hooks = {});

}  // namespace dml::train
