// Runs the boot scripts in bash with stand-ins (boot_run_util.h) and checks
// what the stack would be told in each way a node's part can end.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compiler/emit/boot_install.h"
#include "compiler/emit/heat_emitter.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/emit/boot_run_util.h"
#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using boot_run::DebDeployment;
using boot_run::kBuiltDebContent;
using boot_run::kDebContent;
using boot_run::NodeRun;
using boot_run::RunNode;
using boot_run::ServedDir;
using boot_run::Sha256Of;
using boot_run::Stubs;
using test_util::DeploymentSpec;
using test_util::MakeDeployment;
using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::RunCommand;
using test_util::WriteFile;

TEST(EmitBootScript, WorkerRunsDmlrunReportsSuccessAndPowersOff) {
  const ir::Deployment d = DebDeployment(/*power_off=*/true);
  const NodeRun run = RunNode(d, 1, 2, {}, "success");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  const nlohmann::json& s = run.signals[0];
  ASSERT_TRUE(s.is_object()) << run.output;
  EXPECT_EQ(s["status"], "SUCCESS");
  EXPECT_EQ(s["id"], "node-3");  // first rank 1 + index 2
  EXPECT_NE(s["reason"].get<std::string>().find("job mnist finished"), std::string::npos);
  EXPECT_NE(s["data"].get<std::string>().find("test accuracy 0.8512"), std::string::npos);
  EXPECT_NE(run.dmlrun_args.find("node "), std::string::npos);
  EXPECT_NE(run.dmlrun_args.find("mnist.plan.yaml --node-rank 3"), std::string::npos);
  // The node's plan is the serialized plan with the parameter's value in.
  const plan::LoadResult plan = plan::ParsePlan(run.plan, "node plan");
  ASSERT_TRUE(plan.plan) << run.plan;
  EXPECT_EQ(plan.plan->cluster.groups[1].count, 3);
  EXPECT_TRUE(run.powered_off);
}

TEST(EmitBootScript, FailedInstallIsReportedAsFailure) {
  Stubs stubs;
  stubs.apt_status = 100;
  const NodeRun run = RunNode(DebDeployment(true), 0, 0, stubs, "apt_fails");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  EXPECT_EQ(run.signals[0]["id"], "node-0");
  const std::string reason = run.signals[0]["reason"];
  EXPECT_NE(reason.find("while downloading the dml runtime package"), std::string::npos) << reason;
  EXPECT_NE(reason.find("apt-get"), std::string::npos) << reason;
  EXPECT_TRUE(run.dmlrun_args.empty());
  EXPECT_TRUE(run.powered_off);
}

TEST(EmitBootScript, WrongChecksumStopsTheInstall) {
  ir::Deployment d = DebDeployment(true);
  d.runtime.sha256 = std::string(64, '0');
  const NodeRun run = RunNode(d, 0, 0, {}, "bad_sha");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  EXPECT_NE(run.signals[0]["reason"].get<std::string>().find("checking the sha256"),
            std::string::npos);
  EXPECT_TRUE(run.dmlrun_args.empty());
}

TEST(EmitBootScript, DmlrunFailureIsReportedAndPowerOffCanBeDisabled) {
  Stubs stubs;
  stubs.dmlrun_status = 3;
  const NodeRun run = RunNode(DebDeployment(/*power_off=*/false), 1, 0, stubs, "dmlrun_fails");
  EXPECT_EQ(run.status, 3);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  EXPECT_EQ(run.signals[0]["id"], "node-1");
  EXPECT_NE(run.signals[0]["reason"].get<std::string>().find("dmlrun exited with status 3"),
            std::string::npos);
  EXPECT_FALSE(run.powered_off);
}

TEST(EmitBootScript, BadNodeIndexIsReportedAsFailure) {
  Stubs stubs;
  stubs.node_index = "1;reboot";
  const NodeRun run = RunNode(DebDeployment(true), 1, 0, stubs, "bad_index");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  EXPECT_EQ(run.signals[0]["id"], "node-unknown");
  EXPECT_NE(run.signals[0]["reason"].get<std::string>().find("computing the node rank"),
            std::string::npos);
  EXPECT_TRUE(run.dmlrun_args.empty());
}

// A deb deployment whose dataset lives in a fresh directory of three-byte
// files; `corrupt` changes one file after its digest is taken.
ir::Deployment DatasetDeployment(const std::string& name, bool corrupt) {
  ir::Deployment d = DebDeployment(true);
  const std::string dir = MakeTempDir("dataset_" + name);
  const plan::Dataset& files = d.plan.train->dataset;
  ir::DatasetDigests sha;
  for (const auto& [file, digest] : {std::pair{&files.train_images, &sha.train_images},
                                     std::pair{&files.train_labels, &sha.train_labels},
                                     std::pair{&files.test_images, &sha.test_images},
                                     std::pair{&files.test_labels, &sha.test_labels}}) {
    WriteFile(dir + "/" + *file, "abc" + *file);
    *digest = RunCommand("sha256sum < '" + dir + "/" + *file + "'").output.substr(0, 64);
  }
  if (corrupt) WriteFile(dir + "/" + files.test_labels, "truncated");
  d.plan.train->dataset.dir = dir;
  d.dataset_sha256 = sha;
  return d;
}

TEST(EmitBootScript, MatchingDatasetFilesLetTheJobRun) {
  const NodeRun run = RunNode(DatasetDeployment("good", false), 1, 0, {}, "dataset_good");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
  EXPECT_NE(run.output.find("t10k-labels-idx1-ubyte.gz: sha256 OK"), std::string::npos) << run.output;
}

TEST(EmitBootScript, ADifferentDatasetFileFailsTheNodeBeforeTheJob) {
  const NodeRun run = RunNode(DatasetDeployment("bad", true), 1, 0, {}, "dataset_bad");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = run.signals[0]["reason"];
  EXPECT_NE(reason.find("while checking the dataset files"), std::string::npos) << reason;
  // The reason names the file and both digests.
  EXPECT_NE(reason.find("t10k-labels-idx1-ubyte.gz has sha256 "), std::string::npos) << reason;
  EXPECT_NE(reason.find("as the .dml file says"), std::string::npos) << reason;
  EXPECT_TRUE(run.dmlrun_args.empty());
}

// ---- the runtime reaches the nodes once per cluster ----

ir::Deployment GitDeployment() {
  DeploymentSpec spec;
  spec.workers = 2;
  return MakeDeployment(spec);
}

// The stand-in http.server is stopped once the boot script has ended.
bool ServerStopsAfterTheScript(const NodeRun& run) {
  std::string pid = ReadFile(run.dir + "/server_pid");
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  if (pid.empty()) return false;
  return RunCommand("for i in $(seq 50); do kill -0 " + pid +
                    " 2>/dev/null || exit 0; sleep 0.2; done; kill " + pid + "; exit 1")
             .status == 0;
}

// The apt-get lines that install something.
std::vector<std::string> InstallLines(const std::string& apt_log) {
  std::vector<std::string> lines;
  std::istringstream in(apt_log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(" install ") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

TEST(EmitBootScript, MasterBuildsThePackageFromGitAndServesItWithItsSha256) {
  const ir::Deployment d = GitDeployment();
  const NodeRun run = RunNode(d, 0, 0, {}, "git_master");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
  EXPECT_NE(run.package_args.find("--runtime-only"), std::string::npos) << run.package_args;
  // Served on the master's private address and the named port, from the start.
  EXPECT_NE(run.served_args.find("--bind " + d.network.master_ip), std::string::npos) << run.served_args;
  EXPECT_NE(run.served_args.find(" " + std::to_string(kRuntimeServePort)), std::string::npos)
      << run.served_args;
  EXPECT_EQ(ReadFile(run.serve_dir + "/dml-runtime.deb"), kBuiltDebContent);
  EXPECT_EQ(ReadFile(run.serve_dir + "/dml-runtime.deb.sha256"),
            Sha256Of(kBuiltDebContent) + "  dml-runtime.deb\n");
  // The master installs what it built, with the job's packages.
  const std::vector<std::string> installs = InstallLines(run.apt_log);
  ASSERT_EQ(installs.size(), 2u) << run.apt_log;
  EXPECT_NE(installs[0].find("libtorch-dev"), std::string::npos) << installs[0];
  EXPECT_NE(installs[1].find("/var/cache/dml/dml-runtime.deb libopenblas0-openmp dataset-fashion-mnist"),
            std::string::npos) << installs[1];
  EXPECT_TRUE(ServerStopsAfterTheScript(run)) << "the master's http.server outlived its boot script";
}

TEST(EmitBootScript, WorkerFetchesThePackageFromTheMasterAndInstallsNoBuildTools) {
  const ir::Deployment d = GitDeployment();
  const NodeRun master = RunNode(d, 0, 0, {}, "git_master_for_worker");
  ASSERT_EQ(master.status, 0) << master.output;
  Stubs stubs;
  stubs.master_dir = master.serve_dir;
  const NodeRun run = RunNode(d, 1, 1, stubs, "worker_from_master");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
  EXPECT_NE(run.curl_log.find("http://" + d.network.master_ip + ":" +
                              std::to_string(kRuntimeServePort) + "/dml-runtime.deb\n"),
            std::string::npos) << run.curl_log;
  EXPECT_EQ(ReadFile(run.dir + "/var/cache/dml/dml-runtime.deb"), kBuiltDebContent);
  const std::vector<std::string> installs = InstallLines(run.apt_log);
  ASSERT_EQ(installs.size(), 1u) << run.apt_log;
  for (const char* build_tool : {"-dev", "cmake", "g++", "make", "git", "dpkg-dev"}) {
    EXPECT_EQ(installs[0].find(build_tool), std::string::npos) << build_tool << " in " << installs[0];
  }
  EXPECT_NE(installs[0].find("--no-install-recommends"), std::string::npos) << installs[0];
  EXPECT_NE(installs[0].find("/var/cache/dml/dml-runtime.deb"), std::string::npos) << installs[0];
  EXPECT_TRUE(run.package_args.empty());
  EXPECT_TRUE(run.served_args.empty());
}

TEST(EmitBootScript, WorkerFailsNamingTheStepWhenTheMasterNeverServes) {
  ir::Deployment d = GitDeployment();
  d.plan.timeouts.rendezvous_s = 2;
  Stubs stubs;
  stubs.master_answers = false;
  const NodeRun run = RunNode(d, 1, 0, stubs, "no_master");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = run.signals[0]["reason"];
  EXPECT_NE(reason.find("while fetching the dml runtime package from the master"), std::string::npos)
      << reason;
  EXPECT_NE(reason.find("no answer from the master at http://" + d.network.master_ip + ":" +
                        std::to_string(kRuntimeServePort) + " for 2 s (the rendezvous timeout)"),
            std::string::npos) << reason;
  EXPECT_TRUE(run.dmlrun_args.empty());
  EXPECT_TRUE(run.powered_off);
}

TEST(EmitBootScript, WorkerWaitsWhileTheMasterIsStillBuilding) {
  ir::Deployment d = GitDeployment();
  d.plan.timeouts.rendezvous_s = 2;
  d.plan.timeouts.job_s = 5;
  Stubs stubs;
  stubs.master_dir = MakeTempDir("served_empty");  // up, but no package yet (404)
  const NodeRun run = RunNode(d, 1, 0, stubs, "master_building");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  const std::string reason = run.signals[0]["reason"];
  // Past the rendezvous timeout, bounded by the job's.
  EXPECT_NE(reason.find("had no package within the job's 5 s"), std::string::npos) << reason;
}

TEST(EmitBootScript, WorkerRefusesAPackageThatIsNotTheDebRuntimesSha256) {
  // A deb runtime: the worker checks the digest from the .dml file, not the
  // master's, so a different package with a matching .sha256 file fails.
  Stubs stubs;
  stubs.master_dir = ServedDir("other_deb", "some-other-package");
  const NodeRun run = RunNode(DebDeployment(true), 1, 0, stubs, "deb_worker_bad");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  EXPECT_NE(run.signals[0]["reason"].get<std::string>().find("while checking the sha256"),
            std::string::npos) << run.signals[0]["reason"];
  EXPECT_TRUE(InstallLines(run.apt_log).empty()) << run.apt_log;
}

TEST(EmitBootScript, DebMasterDownloadsChecksAndServesThePackage) {
  const NodeRun run = RunNode(DebDeployment(true), 0, 0, {}, "deb_master");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.curl_log.find("https://example.org/dml.deb"), std::string::npos) << run.curl_log;
  EXPECT_EQ(ReadFile(run.serve_dir + "/dml-runtime.deb"), kDebContent);
  EXPECT_TRUE(run.package_args.empty());
  EXPECT_TRUE(ServerStopsAfterTheScript(run));
}

ir::Deployment PreinstalledDeployment() {
  ir::Deployment d = GitDeployment();
  d.runtime = ir::RuntimeSource{};
  d.runtime.kind = ir::RuntimeSource::Kind::kPreinstalled;
  return d;
}

TEST(EmitBootScript, PreinstalledRuntimeOfThePlansVersionInstallsNothing) {
  const ir::Deployment d = PreinstalledDeployment();
  for (size_t group : {0u, 1u}) {
    const NodeRun run = RunNode(d, group, 0, {}, "preinstalled_" + std::to_string(group));
    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_EQ(run.signals.size(), 1u) << run.output;
    EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
    EXPECT_TRUE(run.apt_log.empty()) << run.apt_log;
    EXPECT_TRUE(run.curl_log.empty()) << run.curl_log;
    EXPECT_TRUE(run.served_args.empty());
    EXPECT_FALSE(run.dmlrun_args.empty());
  }
}

TEST(EmitBootScript, PreinstalledRuntimeInstallsOnlyTheJobPackagesTheImageLacks) {
  Stubs stubs;
  stubs.image_has_job_packages = false;
  const NodeRun run = RunNode(PreinstalledDeployment(), 1, 0, stubs, "preinstalled_lacks");
  EXPECT_EQ(run.status, 0) << run.output;
  const std::vector<std::string> installs = InstallLines(run.apt_log);
  ASSERT_EQ(installs.size(), 1u) << run.apt_log;
  EXPECT_NE(installs[0].find("--no-install-recommends libopenblas0-openmp dataset-fashion-mnist"),
            std::string::npos) << installs[0];
}

TEST(EmitBootScript, PreinstalledRuntimeOfAnotherPlanVersionFailsClearly) {
  Stubs stubs;
  stubs.plan_versions = "[3, 4]";
  const NodeRun run = RunNode(PreinstalledDeployment(), 1, 0, stubs, "preinstalled_old");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = run.signals[0]["reason"];
  EXPECT_NE(reason.find("while checking the preinstalled dmlrun"), std::string::npos) << reason;
  EXPECT_NE(reason.find("reads plan version(s) 3 4, not this plan's version " +
                        std::to_string(plan::kPlanVersion)),
            std::string::npos) << reason;
  EXPECT_TRUE(run.dmlrun_args.empty());
}

}  // namespace
}  // namespace dml::emit
