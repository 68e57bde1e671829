// Runs the boot scripts in bash with stand-ins for apt-get, curl, dmlrun,
// shutdown and the wait condition's curl command, and checks what the stack
// would be told in each way a node's part can end.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compiler/emit/heat_emitter.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using test_util::DeploymentSpec;
using test_util::MakeDeployment;
using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::ReplaceAll;
using test_util::RunCommand;
using test_util::WriteFile;

// What the stand-in curl downloads as the runtime package.
constexpr const char* kDebContent = "dml-runtime-stub";

struct NodeRun {
  int status = -1;
  std::vector<nlohmann::json> signals;
  std::string dmlrun_args;  // empty if dmlrun never ran
  std::string plan;         // the plan file the node wrote
  bool powered_off = false;
  std::string output;
};

struct Stubs {
  int apt_status = 0;
  int dmlrun_status = 0;
  std::string node_index;  // empty: the node's real index
};

void WriteStub(const std::string& path, const std::string& body) {
  WriteFile(path, "#!/bin/bash\n" + body);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

// Runs group `group` of `d` as node `index` of its group, in a sandbox where
// the script's absolute paths point into a temporary directory.
NodeRun RunNode(const ir::Deployment& d, size_t group, int index, const Stubs& stubs,
                const std::string& name) {
  const std::string dir = MakeTempDir("run_" + name);
  const std::string bin = dir + "/bin";
  std::filesystem::create_directories(bin);
  WriteStub(bin + "/apt-get", "echo \"apt-get $*\"; exit " + std::to_string(stubs.apt_status) + "\n");
  WriteStub(bin + "/curl",
            "while [[ $# -gt 0 ]]; do [[ $1 == --output ]] && out=$2; shift; done\n"
            "printf '%s' '" + std::string(kDebContent) + "' > \"$out\"\n");
  WriteStub(bin + "/dmlrun", "echo \"$*\" > " + dir + "/dmlrun_args\n"
                             "echo 'epoch 1: test accuracy 0.8512'\n"
                             "exit " + std::to_string(stubs.dmlrun_status) + "\n");
  WriteStub(bin + "/shutdown", "touch " + dir + "/powered_off\n");
  WriteStub(bin + "/systemctl", "touch " + dir + "/powered_off\n");
  WriteStub(bin + "/notify",
            "while [[ $# -gt 0 ]]; do\n"
            "  if [[ $1 == --data-binary ]]; then printf '%s\\n' \"$2\" >> " + dir + "/signals; fi\n"
            "  shift\ndone\n");

  const HeatOutput out = EmitHeat(d);
  std::string script = out.boot_scripts[group].second;
  HeatTokens tokens = out.tokens;
  if (!stubs.node_index.empty()) {
    ReplaceAll(script, tokens.node_index, stubs.node_index);
  }
  script = test_util::SubstituteHeatTokens(script, tokens, d, index, bin + "/notify");
  for (const char* path : {"/var/log/dml", "/var/cache/dml", "/etc/dml", "/opt/dml"}) {
    ReplaceAll(script, path, dir + path);
  }
  WriteFile(dir + "/boot.sh", script);

  NodeRun run;
  const auto result = RunCommand("PATH=" + bin + ":$PATH bash " + dir + "/boot.sh");
  run.status = result.status;
  run.output = result.output;
  std::string line;
  std::istringstream signals(ReadFile(dir + "/signals"));
  while (std::getline(signals, line)) run.signals.push_back(nlohmann::json::parse(line, nullptr, false));
  run.dmlrun_args = ReadFile(dir + "/dmlrun_args");
  run.plan = ReadFile(dir + "/etc/dml/" + d.name + ".plan.yaml");
  run.powered_off = std::filesystem::exists(dir + "/powered_off");
  return run;
}

ir::Deployment DebDeployment(bool power_off) {
  DeploymentSpec spec;
  spec.runtime = ir::RuntimeSource::Kind::kDeb;
  spec.url = "https://example.org/dml.deb";
  spec.workers = 3;
  spec.workers_from_param = true;
  spec.power_off = power_off;
  const auto sum = RunCommand("printf '%s' '" + std::string(kDebContent) + "' | sha256sum");
  spec.sha256 = sum.output.substr(0, 64);
  return MakeDeployment(spec);
}

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

}  // namespace
}  // namespace dml::emit
