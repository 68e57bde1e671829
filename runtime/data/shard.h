// Which samples each rank sees: PyTorch DistributedSampler's scheme, so that
// results compare with the peer. Every epoch the whole index range is shuffled
// with a generator seeded by (seed + epoch), identically on every rank; the
// permutation is PADDED (its first indices repeated) up to a multiple of the
// world size, and rank r takes positions r, r + world, r + 2*world, ...
// Padding rather than dropping means no sample is skipped and every rank gets
// the same number of samples and hence the same number of steps.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace dml::data {

// Samples per rank per epoch: ceil(n / world).
int64_t ShardSize(int64_t n, int world_size);

// Optimizer steps per rank per epoch (the last batch may be smaller, the same
// size on every rank).
int64_t StepsPerEpoch(int64_t n, int world_size, int64_t batch_per_rank);

// The epoch's shuffled order of [0, n): the same on every rank (a
// generator seeded by seed + epoch), int64 [n].
torch::Tensor EpochPermutation(int64_t n, uint64_t seed, int64_t epoch);

// The rank's indices into [0, n) for `epoch`, int64 [ShardSize(n, world)].
torch::Tensor ShardIndices(int64_t n, int rank, int world_size, uint64_t seed, int64_t epoch);

// Evaluation needs no shuffling or padding: rank r gets the contiguous slice
// [begin, end); the slices of all ranks tile [0, n) exactly.
struct Range {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};
Range EvalSlice(int64_t n, int rank, int world_size);

}  // namespace dml::data
