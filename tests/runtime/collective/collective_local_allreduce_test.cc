// The shared-memory gradient allreduce: sums like the process group, is
// chosen for ranks on one machine, and fails (never hangs) on a missing peer.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "runtime/collective/local_allreduce.h"
#include "runtime/train/step.h"
#include "tests/runtime/collective/rank_threads.h"
#include "tests/runtime/collective/tiny_training.h"

namespace dml::train {
namespace {

constexpr std::chrono::milliseconds kTimeout{std::chrono::seconds(30)};

// Rank r's contribution: distinct per rank, element and round.
torch::Tensor Contribution(int rank, int round, int64_t count) {
  return torch::arange(count, torch::kFloat32) * (rank + 1) + static_cast<float>(round * 100 + rank);
}

void ExpectSums(int world, int64_t count) {
  constexpr int kRounds = 3;  // the barriers must also work on repeated calls
  std::vector<std::vector<torch::Tensor>> got(world);
  testing::RunRanks(world, [&](int rank, auto group) {
    collective::Communicator comm(rank, world, group);
    auto reducer = collective::LocalAllreduce::Create(comm, count, kTimeout);
    ASSERT_TRUE(reducer);
    for (int round = 0; round < kRounds; ++round) {
      torch::Tensor data = Contribution(rank, round, count);
      reducer->SumInPlace(data.data_ptr<float>());
      got[rank].push_back(data);
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    torch::Tensor expected = torch::zeros({count});
    for (int r = 0; r < world; ++r) expected += Contribution(r, round, count);
    for (int r = 0; r < world; ++r) {
      ASSERT_EQ(got[r].size(), static_cast<size_t>(kRounds));
      EXPECT_TRUE(torch::allclose(got[r][round], expected)) << "world " << world << " rank " << r << " round " << round;
    }
    for (int r = 1; r < world; ++r) EXPECT_TRUE(torch::equal(got[r][round], got[0][round]));  // bitwise the same
  }
}

TEST(TrainLocalAllreduce, TwoRanksSum) { ExpectSums(2, 79510); }

TEST(TrainLocalAllreduce, ThreeRanksAndAnOddSizeSum) { ExpectSums(3, 1001); }

TEST(TrainLocalAllreduce, FewerElementsThanRanks) { ExpectSums(3, 2); }

// The flag ORed with each call: every rank sees the same answer for every
// call, including a vote right after a round with none and repeated votes
// (the vote words are double-buffered and reset by the barrier).
TEST(TrainLocalAllreduce, VotesAreOredPerCallOnEveryRank) {
  constexpr int kWorld = 3;
  // round -> which ranks vote
  const std::vector<std::vector<bool>> votes = {
      {false, false, false}, {false, true, false}, {false, false, false}, {true, true, true},
      {false, false, true},  {false, false, false}, {true, false, false}, {false, false, false}};
  std::vector<std::vector<bool>> seen(kWorld);
  testing::RunRanks(kWorld, [&](int rank, auto group) {
    collective::Communicator comm(rank, kWorld, group);
    auto reducer = collective::LocalAllreduce::Create(comm, 16, kTimeout);
    ASSERT_TRUE(reducer);
    for (const std::vector<bool>& round : votes) {
      torch::Tensor data = torch::ones({16});
      seen[rank].push_back(reducer->SumInPlace(data.data_ptr<float>(), round[rank]));
    }
  });
  for (size_t round = 0; round < votes.size(); ++round) {
    bool any = false;
    for (bool v : votes[round]) any = any || v;
    for (int r = 0; r < kWorld; ++r) {
      ASSERT_EQ(seen[r].size(), votes.size());
      EXPECT_EQ(seen[r][round], any) << "round " << round << " rank " << r;
    }
  }
}

TEST(TrainLocalAllreduce, SingleRankNeedsNone) {
  collective::Communicator solo(0, 1, {});
  EXPECT_FALSE(collective::LocalAllreduce::Create(solo, 10, kTimeout));
}

TEST(TrainLocalAllreduce, MissingPeerTimesOutWithAnError) {
  std::string error;
  testing::RunRanks(2, [&](int rank, auto group) {
    collective::Communicator comm(rank, 2, group);
    auto reducer = collective::LocalAllreduce::Create(comm, 8, std::chrono::milliseconds(300));
    ASSERT_TRUE(reducer);
    if (rank == 1) return;  // never joins the allreduce
    torch::Tensor data = torch::ones({8});
    try {
      reducer->SumInPlace(data.data_ptr<float>());
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
  });
  EXPECT_NE(error.find("waited more than 0.3 s"), std::string::npos) << error;
}

// The two gradient paths of TrainStep give the same training.
TEST(TrainLocalAllreduce, StepsMatchTheProcessGroupPath) {
  const testing::TinyJob job = testing::MakeTinyJob(8);
  std::map<GradientSync, torch::Tensor> after;
  for (GradientSync sync : {GradientSync::kAuto, GradientSync::kProcessGroup}) {
    testing::RunRanks(2, [&](int rank, auto group) {
      testing::TinyRank tiny = testing::MakeTinyRank(job);
      collective::Communicator comm(rank, 2, group);
      StepOptions options;
      options.sync = sync;
      TrainStep step(*tiny.mlp, *tiny.optimizer, comm, options);
      for (int s = 0; s < 3; ++s) step.Run(job.x.narrow(0, rank * 4, 4), job.y.narrow(0, rank * 4, 4));
      EXPECT_EQ(step.uses_shared_memory(), sync == GradientSync::kAuto);
      if (rank == 0) after[sync] = tiny.mlp->flat_params().clone();
    });
  }
  EXPECT_TRUE(torch::equal(after[GradientSync::kAuto], after[GradientSync::kProcessGroup]));
}

}  // namespace
}  // namespace dml::train
