// Step batches: per rank (the shard's batches) and global (each step a
// chunk of the epoch's order, split over the ranks).
#include <gtest/gtest.h>

#include <vector>

#include "runtime/data/shard.h"
#include "runtime/data/step_batches.h"

namespace dml::data {
namespace {

std::vector<int64_t> Rows(const EpochBatches& b, int64_t s) {
  const StepRows part = b.Step(s);
  return std::vector<int64_t>(b.indices() + part.offset, b.indices() + part.offset + part.rows);
}

TEST(DataStepBatches, SharesDifferByOneAndTileTheTotal) {
  EXPECT_EQ(ShareOf(10, 0, 3).begin, 0);
  EXPECT_EQ(ShareOf(10, 0, 3).rows, 4);
  EXPECT_EQ(ShareOf(10, 1, 3).begin, 4);
  EXPECT_EQ(ShareOf(10, 1, 3).rows, 3);
  EXPECT_EQ(ShareOf(10, 2, 3).begin, 7);
  EXPECT_EQ(ShareOf(10, 2, 3).rows, 3);
  EXPECT_EQ(ShareOf(1, 2, 3).rows, 0);  // fewer rows than ranks: the last ones get none
}

// Global: the ranks' rows of step s, in rank order, are positions
// [s*G, s*G + G) of the epoch's order, whatever the world size.
TEST(DataStepBatches, GlobalStepsAreTheOneRankStepsSplit) {
  constexpr int64_t kN = 97;
  constexpr int64_t kGlobal = 16;  // 6 full steps and one of 1 row
  const Batching global{0, kGlobal};
  const std::vector<int64_t> order = [&] {
    torch::Tensor perm = EpochPermutation(kN, 5, 2);
    return std::vector<int64_t>(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + kN);
  }();
  for (int world : {1, 3, 5, 16}) {
    std::vector<EpochBatches> ranks;
    for (int r = 0; r < world; ++r) ranks.emplace_back(kN, r, world, 5, 2, global);
    ASSERT_EQ(StepsPerEpoch(kN, world, global), 7);
    EXPECT_EQ(MaxRowsPerStep(world, global), (kGlobal + world - 1) / world);
    int64_t seen = 0;
    for (int64_t s = 0; s < 7; ++s) {
      std::vector<int64_t> step;
      for (int r = 0; r < world; ++r) {
        ASSERT_EQ(ranks[r].steps(), 7);
        const StepRows part = ranks[r].Step(s);
        EXPECT_EQ(part.all_rows, s < 6 ? kGlobal : 1) << "world " << world << " step " << s;
        EXPECT_LE(part.rows, MaxRowsPerStep(world, global));
        const std::vector<int64_t> rows = Rows(ranks[r], s);
        step.insert(step.end(), rows.begin(), rows.end());
      }
      const std::vector<int64_t> expected(order.begin() + s * kGlobal,
                                          order.begin() + std::min<int64_t>(kN, (s + 1) * kGlobal));
      EXPECT_EQ(step, expected) << "world " << world << " step " << s;
      seen += static_cast<int64_t>(step.size());
    }
    EXPECT_EQ(seen, kN);  // every sample once, none padded
    // The 1-row last step: rank 0 takes it, the others none.
    EXPECT_EQ(ranks[0].Step(6).rows, 1);
    if (world > 1) EXPECT_EQ(ranks[world - 1].Step(6).rows, 0);
  }
}

// Per rank: the step batches are the shard's, as before global batches.
TEST(DataStepBatches, PerRankStepsAreTheShardsBatches) {
  const Batching per_rank{8, 0};
  for (int rank = 0; rank < 3; ++rank) {
    const EpochBatches b(50, rank, 3, 1, 0, per_rank);
    const torch::Tensor shard = ShardIndices(50, rank, 3, 1, 0);
    ASSERT_EQ(b.size(), shard.size(0));
    EXPECT_TRUE(std::equal(b.indices(), b.indices() + b.size(), shard.data_ptr<int64_t>()));
    ASSERT_EQ(b.steps(), 3);  // a shard of 17: 8 + 8 + 1
    EXPECT_EQ(b.Step(0).rows, 8);
    EXPECT_EQ(b.Step(2).offset, 16);
    EXPECT_EQ(b.Step(2).rows, 1);
    EXPECT_EQ(b.Step(2).all_rows, 3);
    EXPECT_EQ(b.Step(0).all_rows, 24);
  }
}

}  // namespace
}  // namespace dml::data
