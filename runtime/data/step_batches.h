// Which rows of the training set each rank takes at each step of an epoch,
// for either way a plan sizes a step (plan::TrainSpec):
//  - per rank: every rank `batch` rows of its DistributedSampler shard
//    (shard.h), so a step holds batch x world rows and an epoch has fewer
//    steps the more ranks there are;
//  - global: a step holds `global_batch` rows whatever the world: step s
//    takes positions [s*G, s*G + G) of the epoch's shuffled order (the last
//    step what is left), and rank r a contiguous part of them, the parts as
//    even as rows allow (sizes differ by at most one). An epoch then has the
//    steps one rank alone would take, each averaging the same number of
//    rows' gradients: the same arithmetic at every world size.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace dml::data {

struct Batching {
  int64_t per_rank = 0;  // > 0: rows per rank per step
  int64_t global = 0;    // > 0 (wins): rows per step over all ranks
};

// One step's rows for one rank.
struct StepRows {
  int64_t offset = 0;    // into EpochBatches::indices()
  int64_t rows = 0;      // this rank's rows (0 possible in a global last step)
  int64_t all_rows = 0;  // every rank's rows together
};

// Steps per epoch over `n` samples, the same on every rank.
int64_t StepsPerEpoch(int64_t n, int world_size, const Batching& batching);

// The most rows a rank takes in one step.
int64_t MaxRowsPerStep(int world_size, const Batching& batching);

// Rank `rank`'s indices for one epoch, step by step.
class EpochBatches {
 public:
  EpochBatches(int64_t n, int rank, int world_size, uint64_t seed, int64_t epoch, const Batching& batching);

  int64_t steps() const { return steps_; }
  StepRows Step(int64_t s) const;
  // This rank's indices into [0, n), the steps' rows one after another.
  const int64_t* indices() const { return indices_.data_ptr<int64_t>(); }
  int64_t size() const { return indices_.size(0); }

 private:
  int64_t n_;
  int rank_;
  int world_;
  Batching batching_;
  int64_t steps_ = 0;
  torch::Tensor indices_;  // int64
};

// How `total` rows split over `world` ranks: rank r's share, in order.
struct Share {
  int64_t begin = 0;
  int64_t rows = 0;
};
Share ShareOf(int64_t total, int rank, int world_size);

}  // namespace dml::data
