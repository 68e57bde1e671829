// Per-rank sharding: DistributedSampler's padded scheme.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "runtime/data/shard.h"

namespace dml::data {
namespace {

std::vector<int64_t> ToVector(const torch::Tensor& t) {
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

TEST(DataShard, RanksAreDisjointAndCoverWhenDivisible) {
  const int64_t n = 120;
  const int world = 3;
  std::multiset<int64_t> seen;
  for (int rank = 0; rank < world; ++rank) {
    auto idx = ToVector(ShardIndices(n, rank, world, 7, 0));
    EXPECT_EQ(static_cast<int64_t>(idx.size()), 40);
    seen.insert(idx.begin(), idx.end());
  }
  EXPECT_EQ(seen.size(), 120u);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
}

TEST(DataShard, PadsSoEveryRankHasTheSameCount) {
  const int64_t n = 10;
  const int world = 4;  // 10 = 4*3 - 2: two indices are repeated
  std::multiset<int64_t> seen;
  for (int rank = 0; rank < world; ++rank) {
    auto idx = ToVector(ShardIndices(n, rank, world, 1, 3));
    EXPECT_EQ(static_cast<int64_t>(idx.size()), ShardSize(n, world));
    seen.insert(idx.begin(), idx.end());
  }
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 10u);  // every sample still seen
}

TEST(DataShard, WorldLargerThanDatasetStillPads) {
  for (int rank = 0; rank < 5; ++rank) {
    auto idx = ToVector(ShardIndices(2, rank, 5, 0, 0));
    ASSERT_EQ(idx.size(), 1u);
    EXPECT_TRUE(idx[0] == 0 || idx[0] == 1);
  }
}

TEST(DataShard, EqualStepCounts) {
  EXPECT_EQ(ShardSize(60000, 2), 30000);
  EXPECT_EQ(StepsPerEpoch(60000, 1, 64), 938);  // 937 full batches and one of 32
  EXPECT_EQ(StepsPerEpoch(60000, 2, 64), 469);
  EXPECT_EQ(StepsPerEpoch(60001, 2, 64), 469);  // 30001 per rank: 468 full + 1 of 49
  EXPECT_EQ(StepsPerEpoch(5, 3, 64), 1);
}

TEST(DataShard, ShuffleDependsOnEpochAndSeedOnly) {
  auto a = ToVector(ShardIndices(1000, 1, 2, 42, 5));
  EXPECT_EQ(a, ToVector(ShardIndices(1000, 1, 2, 42, 5)));  // reproducible
  EXPECT_NE(a, ToVector(ShardIndices(1000, 1, 2, 42, 6)));  // a new order each epoch
  EXPECT_NE(a, ToVector(ShardIndices(1000, 1, 2, 43, 5)));  // and per seed
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(a, sorted);  // actually shuffled
}

TEST(DataShard, EvalSlicesTileTheSet) {
  const int64_t n = 10001;
  int64_t next = 0;
  for (int rank = 0; rank < 3; ++rank) {
    Range r = EvalSlice(n, rank, 3);
    EXPECT_EQ(r.begin, next);
    EXPECT_GE(r.size(), n / 3);
    next = r.end;
  }
  EXPECT_EQ(next, n);
}

}  // namespace
}  // namespace dml::data
