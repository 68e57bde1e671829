// The hierarchical allreduce, ranks as threads on fake nodes: the layout it
// finds, sums bitwise equal on every rank and in every run and equal to the
// flat sum within float rounding, votes ORed over all nodes, the layouts it
// declines, a missing rank named within 10 s, and TrainStep choosing it;
// with one rank per node, the network exchange alone.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include "runtime/collective/hierarchical_allreduce.h"
#include "runtime/train/step.h"
#include "tests/runtime/collective/hierarchical_ranks.h"
#include "tests/runtime/collective/tiny_training.h"

namespace dml::collective {
namespace {

constexpr std::chrono::milliseconds kTimeout{std::chrono::seconds(30)};

// Rank r's contribution in a round: magnitudes spread over 7 decades, so that
// a different summation order shows in the low bits.
std::vector<float> Contribution(int rank, int round, int64_t count) {
  std::vector<float> v(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    v[static_cast<size_t>(i)] = static_cast<float>(std::sin(0.37 * i * (rank + 1) + round) * std::pow(10.0, i % 7 - 3));
  }
  return v;
}

TEST(CollectiveHierarchy, LayoutGroupsRanksByNodeKey) {
  NodeLayout layout = LayoutOf({7, 5, 7, 9, 5}, 4);
  ASSERT_EQ(layout.nodes.size(), 3u);
  EXPECT_EQ(layout.nodes[0], (std::vector<int>{0, 2}));
  EXPECT_EQ(layout.nodes[1], (std::vector<int>{1, 4}));
  EXPECT_EQ(layout.nodes[2], (std::vector<int>{3}));
  EXPECT_EQ(layout.node, 1);
  EXPECT_EQ(layout.local_rank, 1);
  EXPECT_FALSE(layout.leader());
  EXPECT_TRUE(layout.spans_nodes());
  EXPECT_FALSE(layout.one_rank_per_node());
  EXPECT_EQ(layout.Describe(), "3 nodes (2, 2, 1 ranks)");
  EXPECT_EQ(LayoutOf({1, 1, 2, 2}, 0).Describe(), "2 nodes x 2 ranks");
  EXPECT_EQ(LayoutOf({4, 5}, 1).Describe(), "2 nodes x 1 rank");
  EXPECT_FALSE(LayoutOf({1, 1, 1}, 0).spans_nodes());       // one node: LocalAllreduce's case
  EXPECT_TRUE(LayoutOf({1, 2, 3}, 0).one_rank_per_node());  // the network exchange alone
}

// Runs kRounds sums on the layout `node_of`; returns every rank's results.
std::vector<std::vector<std::vector<float>>> Sums(const std::vector<int>& node_of, int64_t count) {
  constexpr int kRounds = 3;
  const int world = static_cast<int>(node_of.size());
  std::vector<std::vector<std::vector<float>>> got(static_cast<size_t>(world));
  testing::RunNodes(node_of, [&](int rank, Communicator& comm, int64_t key) {
    std::string why;
    auto hierarchy = HierarchicalAllreduce::Create(comm, count, {kTimeout, key}, &why);
    ASSERT_TRUE(hierarchy) << why;
    for (int round = 0; round < kRounds; ++round) {
      std::vector<float> data = Contribution(rank, round, count);
      hierarchy->SumInPlace(data.data());
      got[static_cast<size_t>(rank)].push_back(std::move(data));
    }
  });
  return got;
}

void ExpectSums(const std::vector<int>& node_of, int64_t count) {
  const auto got = Sums(node_of, count);
  const int world = static_cast<int>(node_of.size());
  for (size_t round = 0; round < got[0].size(); ++round) {
    // The exact sum, and the scale of a float sum's rounding error (the terms cancel).
    std::vector<double> flat(static_cast<size_t>(count), 0.0), magnitude(static_cast<size_t>(count), 0.0);
    for (int r = 0; r < world; ++r) {
      const std::vector<float> c = Contribution(r, static_cast<int>(round), count);
      for (size_t i = 0; i < c.size(); ++i) {
        flat[i] += c[i];
        magnitude[i] += std::fabs(c[i]);
      }
    }
    for (int r = 0; r < world; ++r) {
      ASSERT_EQ(got[static_cast<size_t>(r)].size(), got[0].size());
      const std::vector<float>& mine = got[static_cast<size_t>(r)][round];
      EXPECT_EQ(mine, got[0][round]) << "rank " << r << " round " << round << ": not bitwise rank 0's";
      for (int64_t i = 0; i < count; ++i) {
        const double want = flat[static_cast<size_t>(i)];
        ASSERT_NEAR(mine[static_cast<size_t>(i)], want, 1e-6 * magnitude[static_cast<size_t>(i)])
            << "rank " << r << " round " << round << " element " << i;
      }
    }
  }
  EXPECT_EQ(Sums(node_of, count), got) << "a second run gave other bits";
}

TEST(CollectiveHierarchy, TwoNodesOfTwoRanks) { ExpectSums({0, 0, 1, 1}, 79510); }

TEST(CollectiveHierarchy, ThreeNodesOfTwoRanks) { ExpectSums({0, 0, 1, 1, 2, 2}, 79510); }

TEST(CollectiveHierarchy, UnevenInterleavedNodes) { ExpectSums({0, 1, 0, 2, 1, 0}, 1001); }

TEST(CollectiveHierarchy, FewerElementsThanRanks) { ExpectSums({0, 0, 1}, 2); }

// One rank per node: every rank a leader, Gloo's halving-doubling alone; 3
// and 5 participants are not powers of two (Gloo's binary blocks).
TEST(CollectiveHierarchy, OneRankPerNode) {
  ExpectSums({0, 1}, 79510);
  ExpectSums({0, 1, 2}, 79510);
  ExpectSums({0, 1, 2, 3, 4}, 1001);
  ExpectSums({0, 1, 2, 3, 4}, 3);
}

TEST(CollectiveHierarchy, VotesAreOredOverAllNodes) {
  const std::vector<int> node_of = {0, 0, 1, 1};
  // round -> the one rank that votes (-1: none)
  const std::vector<int> voter = {-1, 3, -1, 1, 0, -1, 2, -1};
  std::vector<std::vector<bool>> seen(node_of.size());
  testing::RunNodes(node_of, [&](int rank, Communicator& comm, int64_t key) {
    auto hierarchy = HierarchicalAllreduce::Create(comm, 16, {kTimeout, key});
    ASSERT_TRUE(hierarchy);
    for (int v : voter) {
      std::vector<float> data(16, 1.0f);
      seen[static_cast<size_t>(rank)].push_back(hierarchy->SumInPlace(data.data(), v == rank));
      EXPECT_EQ(data[0], 4.0f);
    }
  });
  for (size_t round = 0; round < voter.size(); ++round) {
    for (size_t r = 0; r < node_of.size(); ++r) {
      ASSERT_EQ(seen[r].size(), voter.size());
      EXPECT_EQ(seen[r][round], voter[round] >= 0) << "round " << round << " rank " << r;
    }
  }
}

// One rank per node makes no subgroups, so it needs no subgroup factory;
// nodes of two ranks do, and without one the hierarchy declines, saying so.
TEST(CollectiveHierarchy, OnlyNodesOfSeveralRanksNeedSubgroups) {
  testing::RunNodes({0, 1, 2}, [&](int, Communicator& comm, int64_t key) {
    std::string why;
    auto hierarchy = HierarchicalAllreduce::Create(comm, 8, {kTimeout, key}, &why);
    ASSERT_TRUE(hierarchy) << why;
    std::vector<float> data(8, 1.0f);
    hierarchy->SumInPlace(data.data());
    EXPECT_EQ(data[7], 3.0f);
  }, std::chrono::seconds(60), /*subgroup_factory=*/false);
  std::vector<std::string> why(3);
  testing::RunNodes({0, 0, 1}, [&](int rank, Communicator& comm, int64_t key) {
    EXPECT_FALSE(HierarchicalAllreduce::Create(comm, 8, {kTimeout, key}, &why[static_cast<size_t>(rank)]));
  }, std::chrono::seconds(60), /*subgroup_factory=*/false);
  for (const std::string& w : why) EXPECT_EQ(w, "2 nodes (2, 1 ranks): no way to make the nodes' subgroups");
}

TEST(CollectiveHierarchy, DeclinesRanksAllOnOneNode) {
  const std::vector<int> node_of = {0, 0, 0};
  std::vector<std::string> why(node_of.size());
  testing::RunNodes(node_of, [&](int rank, Communicator& comm, int64_t key) {
    EXPECT_FALSE(HierarchicalAllreduce::Create(comm, 8, {kTimeout, key}, &why[static_cast<size_t>(rank)]));
  });
  for (const std::string& w : why) EXPECT_EQ(w, why[0]);
  EXPECT_NE(why[0].find("every rank is on one node"), std::string::npos) << why[0];
}

// Rank 3 (node 1's second rank) never joins the first sum: its node's leader
// names it, the other node's leader loses the leaders' exchange, and every
// surviving rank fails within 10 s.
TEST(CollectiveHierarchy, AMissingRankStopsEveryNodeWithin10Seconds) {
  constexpr std::chrono::milliseconds kShort{2000};
  std::mutex mutex;
  std::map<int, std::string> errors;
  std::map<int, double> seconds;
  testing::RunNodes(
      {0, 0, 1, 1},
      [&](int rank, Communicator& comm, int64_t key) {
        auto hierarchy = HierarchicalAllreduce::Create(comm, 1000, {kShort, key});
        ASSERT_TRUE(hierarchy);
        if (rank == 3) return;
        std::vector<float> data(1000, 1.0f);
        const auto start = std::chrono::steady_clock::now();
        std::string error = "no error";
        try {
          hierarchy->SumInPlace(data.data());
        } catch (const std::exception& e) {
          error = e.what();
        }
        hierarchy.reset();  // as a failed rank's process ends: its connections close
        std::lock_guard<std::mutex> lock(mutex);
        errors[rank] = error;
        seconds[rank] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      },
      std::chrono::milliseconds(3000));
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& [rank, error] : errors) {
    EXPECT_NE(error, "no error") << "rank " << rank;
    EXPECT_LT(seconds[rank], 10.0) << "rank " << rank << ": " << error;
  }
  EXPECT_NE(errors[2].find("rank 2 (node 1 of 2)"), std::string::npos) << errors[2];
  EXPECT_NE(errors[2].find("rank 3 never arrived"), std::string::npos) << errors[2];
  EXPECT_NE(errors[0].find("the exchange between the nodes' leaders (ranks 0, 2) failed"), std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("rank 1 (node 0 of 2)"), std::string::npos) << errors[1];
}

// A node that dies mid-job closes its connections: the other node's next
// exchange fails with an error (EPIPE or a reset), and this process lives on
// (a synchronous pair's write to a closed socket would otherwise raise
// SIGPIPE and kill it). 16 MiB so that the writes outlast the peer's reset.
TEST(CollectiveHierarchy, AClosedPeerIsAnErrorNotABrokenPipe) {
  constexpr int64_t kCount = int64_t{1} << 22;
  std::mutex mutex;
  std::map<int, std::string> errors;
  testing::RunNodes({0, 1}, [&](int rank, Communicator& comm, int64_t key) {
    auto hierarchy = HierarchicalAllreduce::Create(comm, kCount, {kTimeout, key});
    ASSERT_TRUE(hierarchy);
    std::vector<float> data(static_cast<size_t>(kCount), 1.0f);
    hierarchy->SumInPlace(data.data());  // both alive: fine
    comm.Barrier();
    if (rank == 1) {
      hierarchy.reset();  // node 1 "dies": its sockets close
      comm.Barrier();
      return;
    }
    comm.Barrier();
    std::string error = "no error";
    for (int attempt = 0; attempt < 3 && error == "no error"; ++attempt) {
      try {
        hierarchy->SumInPlace(data.data());
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    errors[rank] = error;
  });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("the exchange between the nodes' leaders (ranks 0, 1) failed"), std::string::npos)
      << errors[0];
}

// TrainStep picks the hierarchy on fake nodes (several ranks per node, or
// one) and trains like the flat process group (within float rounding),
// identically on every rank.
void ExpectTrainStepChoosesIt(const std::vector<int>& node_of, const std::string& exchange) {
  const testing::TinyJob job = testing::MakeTinyJob(16);
  const int world = static_cast<int>(node_of.size());
  const int rows = 16 / world;
  std::map<train::GradientSync, std::vector<torch::Tensor>> after;
  for (train::GradientSync sync : {train::GradientSync::kAuto, train::GradientSync::kProcessGroup}) {
    after[sync].resize(static_cast<size_t>(world));
    testing::RunNodes(node_of, [&](int rank, Communicator& comm, int64_t key) {
      testing::TinyRank tiny = testing::MakeTinyRank(job);
      train::StepOptions options;
      options.sync = sync;
      options.node_key = key;
      train::TrainStep step(*tiny.mlp, *tiny.optimizer, comm, options);
      for (int s = 0; s < 3; ++s) step.Run(job.x.narrow(0, rank * rows, rows), job.y.narrow(0, rank * rows, rows));
      if (sync == train::GradientSync::kAuto) {
        EXPECT_NE(step.exchange().find(exchange), std::string::npos) << step.exchange();
        EXPECT_TRUE(step.votes_every_step());
      }
      after[sync][static_cast<size_t>(rank)] = tiny.mlp->flat_params().clone();
    });
  }
  const auto& hier = after[train::GradientSync::kAuto];
  for (int r = 1; r < world; ++r) EXPECT_TRUE(torch::equal(hier[static_cast<size_t>(r)], hier[0])) << "rank " << r;
  EXPECT_TRUE(torch::allclose(hier[0], after[train::GradientSync::kProcessGroup][0], 1e-5, 1e-6));
}

TEST(CollectiveHierarchy, TrainStepChoosesItAndMatchesTheProcessGroupPath) {
  ExpectTrainStepChoosesIt({0, 0, 1, 1}, "hierarchical (2 nodes x 2 ranks");
}

TEST(CollectiveHierarchy, TrainStepWithOneRankPerNodeUsesTheNetworkExchange) {
  ExpectTrainStepChoosesIt({0, 1, 2, 3}, "Gloo halving-doubling between 4 nodes (one rank each)");
}

}  // namespace
}  // namespace dml::collective
