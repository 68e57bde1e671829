// Bad inputs through the real dmlrun: each gets one clear message naming the
// file, field or port, a non-zero exit, and no hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "launch_test_util.h"
#include "tests/runtime/resilience/resilience_fixture.h"

namespace dml::resilience {
namespace {

using launch::testing::TempDir;

constexpr std::chrono::milliseconds kRunTimeout{30000};

struct Outcome {
  int status = -1;
  std::string log;
};

Outcome RunLocal(const TempDir& dir, const plan::Plan& plan) {
  std::string plan_path = WritePlan(dir.path(), plan);
  Process run({kDmlrun, "local", plan_path}, dir.File("run.log"));
  Outcome outcome;
  outcome.status = run.Wait(kRunTimeout).value_or(-1);
  outcome.log = run.Log();
  return outcome;
}

TEST(ResilienceBadInput, CorruptIdxFileIsNamed) {
  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  // Overwrite the magic number of the training images.
  std::fstream file(dir.File("train-images"), std::ios::in | std::ios::out | std::ios::binary);
  file.write("\x00\x00\x08\x99", 4);
  file.close();
  Outcome outcome = RunLocal(dir, LoopbackPlan(dir.path(), 1, 1));
  EXPECT_EQ(outcome.status, 1) << outcome.log;
  EXPECT_NE(outcome.log.find(dir.File("train-images")), std::string::npos) << outcome.log;
  EXPECT_NE(outcome.log.find("magic"), std::string::npos) << outcome.log;
}

TEST(ResilienceBadInput, TruncatedIdxFileIsNamed) {
  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  std::filesystem::resize_file(dir.File("test-labels"), 20);
  Outcome outcome = RunLocal(dir, LoopbackPlan(dir.path(), 1, 1));
  EXPECT_EQ(outcome.status, 1) << outcome.log;
  EXPECT_NE(outcome.log.find(dir.File("test-labels")), std::string::npos) << outcome.log;
}

TEST(ResilienceBadInput, UnknownModelIsNamed) {
  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  plan::Plan plan = LoopbackPlan(dir.path(), 1, 1);
  plan.train->model.kind = "transformer";
  Outcome outcome = RunLocal(dir, plan);
  EXPECT_EQ(outcome.status, 2) << outcome.log;  // refused with the plan, before any rank starts
  EXPECT_NE(outcome.log.find("train.model.kind"), std::string::npos) << outcome.log;
  EXPECT_NE(outcome.log.find("'transformer'"), std::string::npos) << outcome.log;
}

TEST(ResilienceBadInput, UnknownOptimizerIsNamed) {
  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  plan::Plan plan = LoopbackPlan(dir.path(), 1, 1);
  plan.train->optimizer.kind = "lion";
  Outcome outcome = RunLocal(dir, plan);
  EXPECT_EQ(outcome.status, 2) << outcome.log;  // refused with the plan, before any rank starts
  EXPECT_NE(outcome.log.find("train.optimizer.kind: unknown optimizer 'lion'"), std::string::npos)
      << outcome.log;
}

// `dmlrun local` hosts its rendezvous on a free loopback port, not the plan's
// (the stack's): a program on the plan's port, or another local run of the
// same plan, does not stop it or join its ranks. (A node's own port in use
// is named: DistRendezvous.PortInUseIsNamed.)
TEST(ResilienceBadInput, LocalRunIgnoresAProgramOnThePlansPort) {
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t length = sizeof address;
  getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);

  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  plan::Plan plan = LoopbackPlan(dir.path(), 1, 2);
  plan.cluster.port = ntohs(address.sin_port);
  Outcome outcome = RunLocal(dir, plan);
  close(holder);
  EXPECT_EQ(outcome.status, 0) << outcome.log;
}

TEST(ResilienceBadInput, TwoLocalRunsOfOnePlanPortAtOnceBothTrain) {
  TempDir first, second;
  WriteTinyDataset(first.path(), 64, 16);
  WriteTinyDataset(second.path(), 64, 16);
  Process a({kDmlrun, "local", WritePlan(first.path(), LoopbackPlan(first.path(), 2, 2))}, first.File("run.log"));
  Process b({kDmlrun, "local", WritePlan(second.path(), LoopbackPlan(second.path(), 2, 2))}, second.File("run.log"));
  EXPECT_EQ(a.Wait(kRunTimeout).value_or(-1), 0) << a.Log();
  EXPECT_EQ(b.Wait(kRunTimeout).value_or(-1), 0) << b.Log();
}

TEST(ResilienceBadInput, MalformedFaultInjectionIsAUsageError) {
  TempDir dir;
  WriteTinyDataset(dir.path(), 64, 16);
  std::string plan_path = WritePlan(dir.path(), LoopbackPlan(dir.path(), 1, 0));
  Process run({kDmlrun, "local", plan_path}, dir.File("run.log"), {{"DML_FAULT_INJECT", "explode_at=3"}});
  EXPECT_EQ(run.Wait(kRunTimeout).value_or(-1), 1) << run.Log();
  EXPECT_NE(run.Log().find("DML_FAULT_INJECT: unknown key 'explode_at'"), std::string::npos) << run.Log();
}

}  // namespace
}  // namespace dml::resilience
