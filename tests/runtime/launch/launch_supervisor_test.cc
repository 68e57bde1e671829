// The node supervisor with small `sh -c` children: output relay, failure
// propagation, escalation to SIGKILL, signal forwarding, start failures.
#include <signal.h>

#include <gtest/gtest.h>

#include "launch_test_util.h"
#include "runtime/launch/supervisor.h"

namespace dml::launch {
namespace {

using testing::Captured;
using testing::SuperviseCaptured;
using testing::TempDir;

// Long enough that a test would visibly hang if the supervisor failed to stop it.
constexpr char kSleepLong[] = "sleep 60";
constexpr std::chrono::milliseconds kShortGrace{300};

ChildSpec Shell(const std::string& name, const std::string& script) {
  ChildSpec child;
  child.name = name;
  child.argv = {"/bin/sh", "-c", script};
  return child;
}

TEST(LaunchSupervisor, AllSucceedAndOutputIsRelayedWithPrefixes) {
  TempDir dir;
  ChildSpec zero = Shell("rank 0", "echo epoch 1; echo oops >&2");
  ChildSpec one = Shell("rank 1", "printf 'a\\nb'");  // no final newline
  zero.stderr_prefix = "[rank 0] ";
  one.stdout_prefix = one.stderr_prefix = "[rank 1] ";
  Captured captured = SuperviseCaptured({zero, one}, dir);
  EXPECT_TRUE(captured.result.ok) << base::Render(captured.result.error);
  EXPECT_EQ(base::Render(captured.result.error), "");
  EXPECT_NE(captured.out.find("epoch 1\n"), std::string::npos) << captured.out;
  EXPECT_NE(captured.out.find("[rank 1] a\n[rank 1] b\n"), std::string::npos) << captured.out;
  EXPECT_EQ(captured.err, "[rank 0] oops\n");
}

TEST(LaunchSupervisor, OneFailureStopsTheOthers) {
  TempDir dir;
  Captured captured = SuperviseCaptured(
      {Shell("rank 0", kSleepLong), Shell("rank 1", "sleep 0.2; exit 3")}, dir);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_NE(base::Render(captured.result.error).find("rank 1"), std::string::npos)
      << base::Render(captured.result.error);
  EXPECT_NE(base::Render(captured.result.error).find("exited with status 3"), std::string::npos)
      << base::Render(captured.result.error);
  const ChildOutcome& survivor = captured.result.children.at(0);
  EXPECT_TRUE(survivor.stopped_by_supervisor);
  EXPECT_FALSE(survivor.exited);
  EXPECT_EQ(survivor.term_signal, SIGTERM);
}

TEST(LaunchSupervisor, KilledChildIsReportedWithItsSignal) {
  TempDir dir;
  Captured captured =
      SuperviseCaptured({Shell("rank 0", kSleepLong), Shell("rank 2", "kill -KILL $$")}, dir);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_NE(base::Render(captured.result.error).find("rank 2"), std::string::npos)
      << base::Render(captured.result.error);
  EXPECT_NE(base::Render(captured.result.error).find("killed by signal 9"), std::string::npos)
      << base::Render(captured.result.error);
}

TEST(LaunchSupervisor, ChildIgnoringSigtermGetsSigkillAfterGrace) {
  TempDir dir;
  SupervisorOptions options;
  options.grace_period = kShortGrace;
  // Rank 1 fails only once rank 0 ignores SIGTERM: otherwise the SIGTERM can
  // arrive before the trap and end rank 0 by itself.
  const std::string ready = dir.File("trap-set");
  Captured captured = SuperviseCaptured(
      {Shell("rank 0", "trap '' TERM; touch '" + ready + "'; " + kSleepLong),
       Shell("rank 1", "until [ -e '" + ready + "' ]; do sleep 0.01; done; exit 1")},
      dir, options);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_EQ(captured.result.children.at(0).term_signal, SIGKILL);
}

TEST(LaunchSupervisor, SigtermToSupervisorStopsChildren) {
  TempDir dir;
  // The child signals its parent: the supervisor, i.e. this test process.
  Captured captured =
      SuperviseCaptured({Shell("rank 0", std::string("kill -TERM $PPID; ") + kSleepLong)}, dir);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_NE(base::Render(captured.result.error).find("stopped by"), std::string::npos)
      << base::Render(captured.result.error);
  EXPECT_TRUE(captured.result.children.at(0).stopped_by_supervisor);
}

TEST(LaunchSupervisor, DeadlineStopsTheJob) {
  TempDir dir;
  SupervisorOptions options;
  options.deadline = std::chrono::milliseconds(300);
  Captured captured = SuperviseCaptured({Shell("rank 0", kSleepLong)}, dir, options);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_NE(base::Render(captured.result.error).find("time limit"), std::string::npos)
      << base::Render(captured.result.error);
}

TEST(LaunchSupervisor, MissingProgramIsAStartError) {
  TempDir dir;
  ChildSpec missing;
  missing.name = "rank 1";
  missing.argv = {"dml-no-such-program"};
  Captured captured = SuperviseCaptured({Shell("rank 0", kSleepLong), missing}, dir);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_NE(base::Render(captured.result.error).find("cannot start rank 1"), std::string::npos)
      << base::Render(captured.result.error);
  EXPECT_TRUE(captured.result.children.at(0).stopped_by_supervisor);
}

TEST(LaunchSupervisor, BadWorkingDirectoryIsAStartError) {
  TempDir dir;
  ChildSpec child = Shell("rank 0", "true");
  child.working_dir = dir.File("does-not-exist");
  Captured captured = SuperviseCaptured({child}, dir);
  ASSERT_FALSE(captured.result.ok);
  EXPECT_NE(base::Render(captured.result.error).find("No such file or directory"), std::string::npos)
      << base::Render(captured.result.error);
}

TEST(LaunchSupervisor, EnvironmentAndWorkingDirectoryReachTheChild) {
  TempDir dir;
  ChildSpec child = Shell("rank 0", "echo \"$DML_TEST_VALUE\"; pwd");
  // A value with shell syntax arrives verbatim: no shell parses it.
  child.env = {{"DML_TEST_VALUE", "$(touch injected); `x`"}};
  child.working_dir = dir.path();
  Captured captured = SuperviseCaptured({child}, dir);
  ASSERT_TRUE(captured.result.ok) << base::Render(captured.result.error);
  EXPECT_EQ(captured.out, "$(touch injected); `x`\n" + dir.path() + "\n");
}

}  // namespace
}  // namespace dml::launch
