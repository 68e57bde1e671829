#include "runtime/data/step_batches.h"

#include <algorithm>
#include <cstring>

#include "runtime/data/shard.h"

namespace dml::data {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

Share ShareOf(int64_t total, int rank, int world_size) {
  const int64_t base = total / world_size;
  const int64_t extra = total % world_size;  // the first `extra` ranks take one more
  return Share{rank * base + std::min<int64_t>(rank, extra), base + (rank < extra ? 1 : 0)};
}

int64_t StepsPerEpoch(int64_t n, int world_size, const Batching& batching) {
  if (batching.global > 0) return CeilDiv(n, batching.global);
  return StepsPerEpoch(n, world_size, batching.per_rank);
}

int64_t MaxRowsPerStep(int world_size, const Batching& batching) {
  if (batching.global > 0) return CeilDiv(batching.global, world_size);
  return batching.per_rank;
}

EpochBatches::EpochBatches(int64_t n, int rank, int world_size, uint64_t seed, int64_t epoch,
                           const Batching& batching)
    : n_(n), rank_(rank), world_(world_size), batching_(batching), steps_(StepsPerEpoch(n, world_size, batching)) {
  if (batching.global <= 0) {
    indices_ = ShardIndices(n, rank, world_size, seed, epoch);
    return;
  }
  // Each step's part of the shuffled order, copied one after another.
  const torch::Tensor perm = EpochPermutation(n, seed, epoch);
  const int64_t* order = perm.data_ptr<int64_t>();
  int64_t mine = 0;
  for (int64_t s = 0; s < steps_; ++s) mine += Step(s).rows;
  indices_ = torch::empty({mine}, torch::kInt64);
  int64_t* out = indices_.data_ptr<int64_t>();
  for (int64_t s = 0; s < steps_; ++s) {
    const int64_t first = s * batching.global;
    const Share share = ShareOf(std::min(batching.global, n - first), rank, world_size);
    std::memcpy(out, order + first + share.begin, static_cast<size_t>(share.rows) * sizeof(int64_t));
    out += share.rows;
  }
}

StepRows EpochBatches::Step(int64_t s) const {
  if (batching_.global <= 0) {
    // Every rank's shard has the same size, so the last batch is short alike on all.
    const int64_t shard = ShardSize(n_, world_);
    const int64_t offset = s * batching_.per_rank;
    const int64_t rows = std::min(batching_.per_rank, shard - offset);
    return StepRows{offset, rows, rows * world_};
  }
  // Every step but the last is full, so this rank's earlier steps each took its full share.
  const int64_t all_rows = std::min(batching_.global, n_ - s * batching_.global);
  return StepRows{s * ShareOf(batching_.global, rank_, world_).rows, ShareOf(all_rows, rank_, world_).rows,
                  all_rows};
}

}  // namespace dml::data
