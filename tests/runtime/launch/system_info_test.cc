// The thread policy and the BLAS report the launcher prints at start.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "runtime/launch/system_info.h"

namespace dml::launch {
namespace {

TEST(LaunchSystemInfo, UnsetThreadsShareTheCores) {
  EXPECT_EQ(ChooseThreadsPerRank(0, 2, 1).threads, 2);
  EXPECT_EQ(ChooseThreadsPerRank(0, 2, 2).threads, 1);
  EXPECT_EQ(ChooseThreadsPerRank(0, 2, 4).threads, 1);  // more ranks than cores: one each, the least possible
  EXPECT_TRUE(ChooseThreadsPerRank(0, 16, 3).note.empty());
  EXPECT_EQ(ChooseThreadsPerRank(0, 16, 3).threads, 5);
}

TEST(LaunchSystemInfo, RequestWithinTheCoresIsKept) {
  ThreadChoice choice = ChooseThreadsPerRank(1, 8, 2);
  EXPECT_EQ(choice.threads, 1);
  EXPECT_TRUE(choice.note.empty());
}

TEST(LaunchSystemInfo, OversubscribingRequestIsCappedWithANote) {
  ThreadChoice choice = ChooseThreadsPerRank(2, 2, 2);
  EXPECT_EQ(choice.threads, 1);
  EXPECT_NE(choice.note.find("2 thread(s) per rank asked for"), std::string::npos) << choice.note;
  EXPECT_NE(choice.note.find("using 1"), std::string::npos) << choice.note;
}

TEST(LaunchSystemInfo, RanksArePinnedToTheirOwnRunsOfCpus) {
  // CPUs as the affinity mask lists them: not necessarily 0..n-1.
  const std::vector<int> cpus = {2, 3, 5, 7};
  EXPECT_EQ(PinRanks(cpus, 2, 2), (std::vector<std::vector<int>>{{2, 3}, {5, 7}}));
  EXPECT_EQ(PinRanks(cpus, 4, 1), (std::vector<std::vector<int>>{{2}, {3}, {5}, {7}}));
  EXPECT_EQ(PinRanks(cpus, 1, 3), (std::vector<std::vector<int>>{{2, 3, 5}}));
  EXPECT_TRUE(PinRanks(cpus, 3, 2).empty());  // does not fit: nothing pinned
  EXPECT_TRUE(PinRanks(cpus, 5, 1).empty());
  EXPECT_TRUE(PinRanks({}, 1, 1).empty());
}

TEST(LaunchSystemInfo, AvailableCpusMatchTheCoreCount) {
  EXPECT_EQ(static_cast<int>(AvailableCpus().size()), AvailableCores());
}

TEST(LaunchSystemInfo, BlasIsTheLibraryLibtorchLoaded) {
  // A GEMM makes sure libtorch has resolved its BLAS; the description must
  // name a real file, and OpenBLAS must be recognised as such.
  torch::mm(torch::ones({4, 4}), torch::ones({4, 4}));
  std::string blas = DescribeBlas();
  ASSERT_NE(blas, "unknown");
  EXPECT_NE(blas.find("/"), std::string::npos) << blas;  // the path is part of the report
  if (blas.find("openblas") != std::string::npos) EXPECT_EQ(blas.rfind("OpenBLAS", 0), 0u) << blas;
}

}  // namespace
}  // namespace dml::launch
