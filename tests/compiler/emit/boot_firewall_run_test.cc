// The boot script's firewall step, run in bash with a stand-in firewall-cmd
// (boot_run_util.h): firewalld's trusted zone gets the stack's subnet when
// firewalld runs, nothing happens when it does not, and a failure fails the
// node naming the step, the command and firewalld's answer.
#include <string>

#include <gtest/gtest.h>

#include "tests/compiler/emit/boot_run_util.h"

namespace dml::emit {
namespace {

using boot_run::DebDeployment;
using boot_run::NodeRun;
using boot_run::RunNode;
using boot_run::Stubs;

constexpr const char* kStep = "while opening the host firewall (firewalld) to the private subnet";

// A firewall-cmd whose --state says firewalld runs; other calls print what
// `add_source` prints and exit with its status.
Stubs FirewalldRunning(const std::string& add_source = "echo success\nexit 0\n") {
  Stubs stubs;
  stubs.firewall_cmd = "if [[ $1 == --state ]]; then echo running; exit 0; fi\n" + add_source;
  return stubs;
}

TEST(EmitBootFirewall, RunningFirewalldTrustsTheSubnetAtRuntimeAndPermanently) {
  const ir::Deployment d = DebDeployment(true);
  for (size_t group : {0u, 1u}) {  // the master serves, the workers fetch: both open it
    const NodeRun run = RunNode(d, group, 0, FirewalldRunning(), "fw_open_" + std::to_string(group));
    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_EQ(run.signals.size(), 1u) << run.output;
    EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
    EXPECT_EQ(run.firewall_log, "--state\n"
                                "--zone=trusted --add-source=" + d.network.cidr + "\n"
                                "--permanent --zone=trusted --add-source=" + d.network.cidr + "\n");
    EXPECT_NE(run.output.find("firewalld trusts the private subnet " + d.network.cidr), std::string::npos)
        << run.output;
  }
}

TEST(EmitBootFirewall, TheFirewallIsOpenBeforeTheMasterServesThePackage) {
  const NodeRun run = RunNode(DebDeployment(true), 0, 0, FirewalldRunning(), "fw_order");
  const size_t opened = run.output.find("firewalld trusts the private subnet");
  const size_t serving = run.output.find("dml: step: starting to serve files to the workers");
  ASSERT_NE(opened, std::string::npos) << run.output;
  ASSERT_NE(serving, std::string::npos) << run.output;
  EXPECT_LT(opened, serving);
}

TEST(EmitBootFirewall, FirewalldNotRunningIsLeftAlone) {
  const NodeRun run = RunNode(DebDeployment(true), 1, 0, {}, "fw_not_running");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.firewall_log, "--state\n");
  EXPECT_NE(run.output.find("firewalld is not running: no host firewall to open"), std::string::npos)
      << run.output;
}

TEST(EmitBootFirewall, ARefusedSourceFailsTheNodeWithFirewalldsAnswer) {
  const ir::Deployment d = DebDeployment(true);
  const NodeRun run = RunNode(
      d, 1, 0,
      FirewalldRunning("echo \"Error: ZONE_CONFLICT: '" + d.network.cidr + "' already bound to 'public'\" >&2\n"
                       "exit 18\n"),
      "fw_conflict");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = run.signals[0]["reason"];
  EXPECT_NE(reason.find(kStep), std::string::npos) << reason;
  EXPECT_NE(reason.find("firewall-cmd --zone=trusted --add-source=" + d.network.cidr +
                        " failed: Error: ZONE_CONFLICT: '" + d.network.cidr + "' already bound to 'public'"),
            std::string::npos) << reason;
  EXPECT_TRUE(run.dmlrun_args.empty());
  EXPECT_TRUE(run.apt_log.empty()) << "nothing installed after the failure: " << run.apt_log;
}

TEST(EmitBootFirewall, AFirewalldInAnUnknownStateFailsTheNode) {
  Stubs stubs;
  stubs.firewall_cmd = "echo 'failed'\nexit 251\n";  // RUNNING_BUT_FAILED
  const NodeRun run = RunNode(DebDeployment(true), 0, 0, stubs, "fw_failed");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = run.signals[0]["reason"];
  EXPECT_NE(reason.find(kStep), std::string::npos) << reason;
  EXPECT_NE(reason.find("firewall-cmd --state exited with status 251 (failed)"), std::string::npos) << reason;
  EXPECT_EQ(run.firewall_log, "--state\n");
}

}  // namespace
}  // namespace dml::emit
