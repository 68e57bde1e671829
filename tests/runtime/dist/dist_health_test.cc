// The failure detector with every rank's monitor in this process, over a real
// TCPStore on 127.0.0.1 and a short silence limit.
#include <gtest/gtest.h>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "runtime/dist/health_monitor.h"
#include "runtime/dist/port.h"
#include "runtime/dist/torch_compat.h"

namespace dml::dist {
namespace {

constexpr std::chrono::milliseconds kSilence{300};
constexpr std::chrono::milliseconds kVerdictWait{3000};

class DistHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = PickFreePort();
    c10d::TCPStoreOptions options = torch_compat::StoreOptions();
    options.port = port_;
    options.isServer = true;
    options.waitWorkers = false;
    server_ = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);
  }

  std::unique_ptr<HealthMonitor> Start(int rank, int world_size) {
    HealthOptions options;
    options.master_addr = "127.0.0.1";
    options.port = port_;
    options.rank = rank;
    options.world_size = world_size;
    options.rank_locations = {"node 0", "node 1", "node 2"};
    options.silence_limit = kSilence;
    options.on_failure = [](const std::string&) {};  // tests read AwaitVerdict instead
    auto monitor = HealthMonitor::Start(options);
    EXPECT_TRUE(monitor) << base::Render(monitor.error());
    return monitor ? std::move(*monitor) : nullptr;
  }

  uint16_t port_ = 0;
  c10::intrusive_ptr<c10d::TCPStore> server_;
};

TEST_F(DistHealth, SilentRankIsNamedByRankZero) {
  auto zero = Start(0, 3);
  auto one = Start(1, 3);
  auto two = Start(2, 3);
  two.reset();  // stops beating without leaving: a death
  std::optional<std::string> verdict = zero->AwaitVerdict(kVerdictWait);
  ASSERT_TRUE(verdict);
  EXPECT_NE(verdict->find("rank 2 (node 2) stopped responding"), std::string::npos) << *verdict;
  // Rank 0 publishes it, so rank 1 stops with the same message.
  std::optional<std::string> seen = one->AwaitVerdict(kVerdictWait);
  ASSERT_TRUE(seen);
  EXPECT_EQ(*seen, *verdict);
}

TEST_F(DistHealth, RanksThatLeaveAreNotFailures) {
  auto zero = Start(0, 2);
  auto one = Start(1, 2);
  one->Leave();
  EXPECT_FALSE(zero->AwaitVerdict(kSilence * 3));
  zero->Leave();
}

TEST_F(DistHealth, ReportedFailureReachesEveryRank) {
  auto zero = Start(0, 2);
  auto one = Start(1, 2);
  ASSERT_TRUE(ReportFailure("127.0.0.1", port_, "rank 1 (pid 7) was killed by signal 9", kSilence));
  for (HealthMonitor* monitor : {zero.get(), one.get()}) {
    std::optional<std::string> verdict = monitor->AwaitVerdict(kVerdictWait);
    ASSERT_TRUE(verdict);
    EXPECT_EQ(*verdict, "rank 1 (pid 7) was killed by signal 9");
  }
}

TEST_F(DistHealth, LostStoreIsAFailureNamingRankZero) {
  auto one = Start(1, 2);
  server_.reset();  // rank 0's process, and its store, are gone
  std::optional<std::string> verdict = one->AwaitVerdict(kVerdictWait);
  ASSERT_TRUE(verdict);
  EXPECT_NE(verdict->find("lost contact with the rendezvous store of rank 0 (node 0)"),
            std::string::npos)
      << *verdict;
}

TEST_F(DistHealth, UnreachableStoreIsAStartError) {
  server_.reset();
  HealthOptions options;
  options.master_addr = "127.0.0.1";
  options.port = port_;
  options.rank = 1;
  options.world_size = 2;
  options.silence_limit = kSilence;
  auto monitor = HealthMonitor::Start(options);
  EXPECT_FALSE(monitor);
  const std::string error = base::Render(monitor.error());
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port_)), std::string::npos) << error;
}

}  // namespace
}  // namespace dml::dist
