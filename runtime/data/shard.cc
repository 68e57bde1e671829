#include "runtime/data/shard.h"

#include <ATen/CPUGeneratorImpl.h>

namespace dml::data {

int64_t ShardSize(int64_t n, int world_size) { return (n + world_size - 1) / world_size; }

int64_t StepsPerEpoch(int64_t n, int world_size, int64_t batch_per_rank) {
  return (ShardSize(n, world_size) + batch_per_rank - 1) / batch_per_rank;
}

torch::Tensor EpochPermutation(int64_t n, uint64_t seed, int64_t epoch) {
  // A private generator: ranks that share a process (tests) must not race on the global one.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed + static_cast<uint64_t>(epoch));
  return torch::randperm(n, gen, torch::kInt64);
}

torch::Tensor ShardIndices(int64_t n, int rank, int world_size, uint64_t seed, int64_t epoch) {
  torch::Tensor perm = EpochPermutation(n, seed, epoch);
  int64_t total = ShardSize(n, world_size) * world_size;
  if (total > n) {
    // Repeat the permutation as often as needed (world may exceed n), then cut.
    int64_t copies = (total + n - 1) / n;
    perm = perm.repeat({copies}).narrow(0, 0, total);
  }
  return perm.slice(0, rank, total, world_size).contiguous();
}

Range EvalSlice(int64_t n, int rank, int world_size) {
  return Range{n * rank / world_size, n * (rank + 1) / world_size};
}

}  // namespace dml::data
