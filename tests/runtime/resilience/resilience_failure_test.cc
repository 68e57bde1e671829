// A rank that dies or hangs mid-training, and a node that never joins: two
// `dmlrun node` supervisors on loopback (node 0: ranks 0 and 1; node 1: rank
// 2), real signals, and the survivors must stop within 10 s naming the rank
// and its node, leaving no process behind.
#include <signal.h>

#include <gtest/gtest.h>

#include "launch_test_util.h"
#include "tests/runtime/resilience/resilience_fixture.h"

namespace dml::resilience {
namespace {

using launch::testing::TempDir;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The bound on how long survivors may take to notice.
constexpr milliseconds kDetectionBound{10000};
constexpr milliseconds kStartTimeout{30000};
constexpr milliseconds kExitTimeout{15000};
// Slows each step so that the job is still training when the test acts.
constexpr char kSlowSteps[] = "step_delay_ms=20";
constexpr int kEpochs = 40;

struct TwoNodes {
  TempDir dir;
  std::string plan_path;
  std::unique_ptr<Process> node0, node1;

  explicit TwoNodes(double heartbeat_s = 5) {
    WriteTinyDataset(dir.path(), 600, 100);
    plan::Plan plan = LoopbackPlan(dir.path(), 2, 1);
    plan.train->epochs = kEpochs;
    plan.timeouts.heartbeat_s = heartbeat_s;
    plan_path = WritePlan(dir.path(), plan);
  }
  void Start() {
    std::vector<std::pair<std::string, std::string>> env = {{"DML_FAULT_INJECT", kSlowSteps}};
    node0 = std::make_unique<Process>(
        std::vector<std::string>{kDmlrun, "node", plan_path, "--node-rank", "0"}, dir.File("node0.log"), env);
    node1 = std::make_unique<Process>(
        std::vector<std::string>{kDmlrun, "node", plan_path, "--node-rank", "1"}, dir.File("node1.log"), env);
    ASSERT_TRUE(node0->WaitForLog(" test acc ", kStartTimeout)) << node0->Log() << node1->Log();
  }
  std::string Logs() const { return "--- node 0:\n" + node0->Log() + "--- node 1:\n" + node1->Log(); }
  ~TwoNodes() {
    node0.reset();
    node1.reset();
    EXPECT_TRUE(ProcessesMentioning(plan_path).empty()) << "processes of the job were left behind";
  }
};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(ResilienceFailure, SigkillOfARankStopsEveryOtherRankNamingIt) {
  TwoNodes job;
  ASSERT_NO_FATAL_FAILURE(job.Start());
  std::optional<pid_t> victim = RankPid(job.node1->pid(), 0);  // global rank 2
  ASSERT_TRUE(victim) << job.Logs();
  const auto killed = Clock::now();
  kill(*victim, SIGKILL);

  std::optional<int> status0 = job.node0->Wait(kDetectionBound);
  ASSERT_TRUE(status0) << "node 0 still running " << SecondsSince(killed) << " s after the kill\n" << job.Logs();
  EXPECT_NE(*status0, 0) << job.Logs();
  std::optional<int> status1 = job.node1->Wait(kDetectionBound);
  ASSERT_TRUE(status1) << job.Logs();
  EXPECT_EQ(*status1, 1) << job.Logs();
  // Node 0's ranks say who died and where.
  const std::string log0 = job.node0->Log();
  EXPECT_NE(log0.find("rank 2 (pid"), std::string::npos) << job.Logs();
  EXPECT_NE(log0.find("killed by signal 9"), std::string::npos) << job.Logs();
  EXPECT_NE(log0.find("on node 1 (workers #0)"), std::string::npos) << job.Logs();
  EXPECT_NE(job.node1->Log().find("rank 2 (pid"), std::string::npos) << job.Logs();
}

TEST(ResilienceFailure, SigstopOfARankStopsEveryOtherRankNamingIt) {
  TwoNodes job;
  ASSERT_NO_FATAL_FAILURE(job.Start());
  std::optional<pid_t> victim = RankPid(job.node1->pid(), 0);  // global rank 2
  ASSERT_TRUE(victim) << job.Logs();
  const auto stopped = Clock::now();
  // A hung rank, or a node whose network is cut: its sockets stay open, so
  // Gloo alone would wait collective_s (300 s) for it.
  kill(*victim, SIGSTOP);

  std::optional<int> status0 = job.node0->Wait(kDetectionBound);
  ASSERT_TRUE(status0) << "node 0 still running " << SecondsSince(stopped) << " s after SIGSTOP\n" << job.Logs();
  EXPECT_EQ(*status0, 1) << job.Logs();
  const std::string log0 = job.node0->Log();
  EXPECT_NE(log0.find("rank 2 (node 1, workers #0) stopped responding"), std::string::npos) << job.Logs();
  // Woken again, the stale rank finds its job gone and ends too (no hang).
  kill(*victim, SIGCONT);
  std::optional<int> status1 = job.node1->Wait(kDetectionBound);
  ASSERT_TRUE(status1) << job.Logs();
  EXPECT_EQ(*status1, 1) << job.Logs();
}

TEST(ResilienceFailure, DeathOfTheMasterRankStopsTheOtherNode) {
  TwoNodes job;
  ASSERT_NO_FATAL_FAILURE(job.Start());
  std::optional<pid_t> master = RankPid(job.node0->pid(), 0);  // rank 0 hosts the store
  ASSERT_TRUE(master) << job.Logs();
  kill(*master, SIGKILL);
  std::optional<int> status1 = job.node1->Wait(kDetectionBound);
  ASSERT_TRUE(status1) << job.Logs();
  EXPECT_EQ(*status1, 1) << job.Logs();
  std::optional<int> status0 = job.node0->Wait(kDetectionBound);
  ASSERT_TRUE(status0) << job.Logs();
  EXPECT_EQ(*status0, 1) << job.Logs();
  EXPECT_NE(job.node1->Log().find("rank 0 (node 0, master #0)"), std::string::npos) << job.Logs();
}

TEST(ResilienceFailure, NodeThatNeverJoinsIsNamedAtTheRendezvousTimeout) {
  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  plan::Plan plan = LoopbackPlan(dir.path(), 1, 2);
  plan.timeouts.rendezvous_s = 2;
  std::string plan_path = WritePlan(dir.path(), plan);
  Process node0({kDmlrun, "node", plan_path, "--node-rank", "0"}, dir.File("node0.log"));
  std::optional<int> status = node0.Wait(kExitTimeout);
  ASSERT_TRUE(status) << node0.Log();
  EXPECT_EQ(*status, 1) << node0.Log();
  EXPECT_NE(node0.Log().find("rendezvous timed out after 2s: rank 1 (node 1, workers #0), rank 2 (node 1, "
                             "workers #0) never joined the store at 127.0.0.1:" +
                             std::to_string(plan.cluster.port)),
            std::string::npos)
      << node0.Log();
}

}  // namespace
}  // namespace dml::resilience
