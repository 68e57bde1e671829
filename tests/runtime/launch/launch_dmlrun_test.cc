// The real dmlrun binary: a command job end to end over loopback (git clone
// of a local repo, torchrun's environment per rank) and its CLI errors.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "launch_test_util.h"
#include "runtime/dist/port.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::launch {
namespace {

using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

constexpr char kDmlrun[] = DMLRUN_PATH;
// The system interpreter: a pyenv python3 on PATH may lack nothing we need,
// but tests should not depend on a user's shell set-up.
constexpr char kPython[] = "/usr/bin/python3";

constexpr char kRecordEnv[] = R"(import os, sys
keys = ["MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK", "NODE_RANK",
        "LOCAL_WORLD_SIZE", "GLOO_SOCKET_IFNAME"]
with open(os.path.join(sys.argv[1], "rank%s.env" % os.environ["RANK"]), "w") as out:
    for key in keys:
        out.write("%s=%s\n" % (key, os.environ.get(key, "<unset>")))
    out.write("ARGS=%s\n" % " ".join(sys.argv[2:]))
print("recorded rank", os.environ["RANK"])
)";

std::map<std::string, std::string> ReadEnvFile(const std::string& path) {
  std::map<std::string, std::string> values;
  std::istringstream lines(ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    size_t equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

// A git repo in `dir`/repo holding record_env.py, committed on its default branch.
std::string MakeRepo(const TempDir& dir) {
  std::string repo = dir.File("repo");
  std::string log;
  EXPECT_EQ(RunCommand({"git", "init", "--quiet", repo}, dir, &log), 0) << log;
  WriteFile(repo + "/record_env.py", kRecordEnv);
  EXPECT_EQ(RunCommand({"git", "-C", repo, "add", "record_env.py"}, dir, &log), 0) << log;
  EXPECT_EQ(RunCommand({"git", "-C", repo, "-c", "user.name=dml", "-c", "user.email=dml@test",
                        "commit", "--quiet", "-m", "record env"},
                       dir, &log),
            0)
      << log;
  return repo;
}

plan::Plan CommandPlan(const std::string& repo, const std::string& out_dir) {
  plan::Plan plan;
  plan.job = "envcheck";
  plan.kind = plan::JobKind::kCommand;
  // A cloud subnet: local mode must replace it with loopback.
  plan.cluster.subnet = "10.8.1.0/24";
  plan.cluster.master_addr = "10.8.1.250";
  plan.cluster.port = dist::PickFreePort();
  plan.cluster.groups = {{"master", 1, 1, ""}, {"workers", 1, 2, ""}};
  plan::CommandSpec command;
  command.repo = repo;
  command.entrypoint = "record_env.py";
  command.args = {out_dir, "--flag", "$(not a shell)"};
  command.python = kPython;
  plan.command = command;
  return plan;
}

TEST(LaunchDmlrun, CommandJobGetsTorchrunEnvironment) {
  TempDir dir;
  std::string repo = MakeRepo(dir);
  plan::Plan plan = CommandPlan(repo, dir.path());
  std::string plan_path = dir.File("envcheck.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));

  std::string log;
  int status = RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log);
  ASSERT_EQ(status, 0) << log;
  EXPECT_NE(log.find("recorded rank 0"), std::string::npos) << log;
  EXPECT_NE(log.find("[rank 2] recorded rank 2"), std::string::npos) << log;

  // Node 0: one rank; node 1: two ranks.
  const struct {
    int rank, node_rank, local_rank, local_world_size;
  } expected[] = {{0, 0, 0, 1}, {1, 1, 0, 2}, {2, 1, 1, 2}};
  // Local mode's port: a free one, the same for every rank (not the plan's,
  // which is the stack's).
  const std::string port = ReadEnvFile(dir.File("rank0.env"))["MASTER_PORT"];
  EXPECT_GT(std::atoi(port.c_str()), 0) << port;
  for (const auto& want : expected) {
    SCOPED_TRACE("rank " + std::to_string(want.rank));
    auto env = ReadEnvFile(dir.File("rank" + std::to_string(want.rank) + ".env"));
    EXPECT_EQ(env["MASTER_ADDR"], "127.0.0.1");
    EXPECT_EQ(env["MASTER_PORT"], port);
    EXPECT_EQ(env["WORLD_SIZE"], "3");
    EXPECT_EQ(env["RANK"], std::to_string(want.rank));
    EXPECT_EQ(env["NODE_RANK"], std::to_string(want.node_rank));
    EXPECT_EQ(env["LOCAL_RANK"], std::to_string(want.local_rank));
    EXPECT_EQ(env["LOCAL_WORLD_SIZE"], std::to_string(want.local_world_size));
    EXPECT_EQ(env["GLOO_SOCKET_IFNAME"], "lo");
    EXPECT_EQ(env["ARGS"], "--flag $(not a shell)");
  }

  // A second run replaces the checkout dmlrun made the first time.
  status = RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log);
  EXPECT_EQ(status, 0) << log;
}

constexpr char kRecordPrefix[] = R"(import os, sys
with open(os.path.join(sys.argv[1], "rank%s.python" % os.environ["RANK"]), "w") as out:
    out.write("prefix=%s\n" % sys.prefix)
    out.write("base_prefix=%s\n" % sys.base_prefix)
    out.write("virtual_env=%s\n" % os.environ.get("VIRTUAL_ENV", "<unset>"))
    # Where Debian's python3-* packages (python3-torch among them) live.
    out.write("system_site=%s\n" % ("/usr/lib/python3/dist-packages" in sys.path))
)";

// Debian's python refuses `pip install` into the system (PEP 668): with a
// requirements.txt the job runs in a venv that still sees system packages.
TEST(LaunchDmlrun, RequirementsInstallIntoAVenvThatSeesSystemPackages) {
  TempDir dir;
  std::string repo = MakeRepo(dir);
  WriteFile(repo + "/record_prefix.py", kRecordPrefix);
  // Comment-only: pip has nothing to fetch (no network in CI), yet runs.
  WriteFile(repo + "/requirements.txt", "# this job needs nothing beyond Debian's packages\n");
  std::string log;
  ASSERT_EQ(RunCommand({"git", "-C", repo, "add", "."}, dir, &log), 0) << log;
  ASSERT_EQ(RunCommand({"git", "-C", repo, "-c", "user.name=dml", "-c", "user.email=dml@test", "commit",
                        "--quiet", "-m", "venv"},
                       dir, &log),
            0)
      << log;
  plan::Plan plan = CommandPlan(repo, dir.path());
  plan.cluster.groups = {{"master", 1, 1, ""}};
  plan.command->entrypoint = "record_prefix.py";
  plan.command->args = {dir.path()};
  std::string plan_path = dir.File("venv.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));

  int status = RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log);
  ASSERT_EQ(status, 0) << log;
  auto values = ReadEnvFile(dir.File("rank0.python"));
  const std::string venv = dir.File("work/envcheck/local/.dml-venv");
  EXPECT_EQ(values["prefix"], venv) << log;
  EXPECT_EQ(values["virtual_env"], venv);
  EXPECT_NE(values["base_prefix"], venv);
  // --system-site-packages: Debian's python3-torch and friends stay importable.
  EXPECT_EQ(values["system_site"], "True");
  // The venv stays out of the user's `git status`.
  std::string status_text;
  ASSERT_EQ(RunCommand({"git", "-C", dir.File("work/envcheck/local"), "status", "--porcelain"}, dir,
                       &status_text),
            0);
  EXPECT_EQ(status_text, "");
}

TEST(LaunchDmlrun, RequirementsWithoutVenvSupportNameTheDebianPackage) {
  TempDir dir;
  std::string repo = MakeRepo(dir);
  WriteFile(repo + "/requirements.txt", "\n");
  std::string log;
  ASSERT_EQ(RunCommand({"git", "-C", repo, "add", "."}, dir, &log), 0) << log;
  ASSERT_EQ(RunCommand({"git", "-C", repo, "-c", "user.name=dml", "-c", "user.email=dml@test", "commit",
                        "--quiet", "-m", "reqs"},
                       dir, &log),
            0)
      << log;
  plan::Plan plan = CommandPlan(repo, dir.path());
  // A python that cannot `import ensurepip`, as Debian's without python3-venv.
  std::string fake = dir.File("python-without-venv");
  WriteFile(fake, "#!/bin/sh\nexit 1\n");
  ASSERT_EQ(RunCommand({"chmod", "+x", fake}, dir, &log), 0);
  plan.command->python = fake;
  std::string plan_path = dir.File("novenv.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));
  EXPECT_EQ(RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log), 1) << log;
  EXPECT_NE(log.find("install Debian's python3-venv package"), std::string::npos) << log;
}

TEST(LaunchDmlrun, FailingEntrypointFailsTheJobNamingTheRank) {
  TempDir dir;
  std::string repo = MakeRepo(dir);
  // The output folder does not exist, so every rank's script fails.
  plan::Plan plan = CommandPlan(repo, dir.File("missing-dir"));
  std::string plan_path = dir.File("fail.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));
  std::string log;
  int status = RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log);
  EXPECT_EQ(status, 1) << log;
  EXPECT_NE(log.find("exited with status 1"), std::string::npos) << log;
  EXPECT_NE(log.find("dmlrun: error: rank "), std::string::npos) << log;
}

TEST(LaunchDmlrun, ForeignFolderInWorkdirIsNotDeleted) {
  TempDir dir;
  std::string repo = MakeRepo(dir);
  plan::Plan plan = CommandPlan(repo, dir.path());
  std::string plan_path = dir.File("p.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));
  std::string log;
  ASSERT_EQ(RunCommand({"mkdir", "-p", dir.File("work/envcheck/local")}, dir, &log), 0);
  WriteFile(dir.File("work/envcheck/local/precious"), "keep me");
  int status = RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log);
  EXPECT_EQ(status, 1) << log;
  EXPECT_NE(log.find("was not created by dmlrun"), std::string::npos) << log;
  EXPECT_EQ(ReadFile(dir.File("work/envcheck/local/precious")), "keep me");
}

TEST(LaunchDmlrun, PlanOfAnotherVersionExitsTwoNamingTheFile) {
  TempDir dir;
  std::string plan_path = dir.File("future.plan.yaml");
  std::string text = plan::SerializePlan(CommandPlan("/nowhere", dir.path()));
  const std::string current = "dml_plan: " + std::to_string(plan::kPlanVersion);
  size_t version = text.find(current);
  ASSERT_NE(version, std::string::npos) << text;
  text.replace(version, current.size(), "dml_plan: 99");
  WriteFile(plan_path, text);
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun, "local", plan_path}, dir, &log), 2) << log;
  EXPECT_NE(log.find(plan_path + ": dml_plan:"), std::string::npos) << log;
  EXPECT_NE(log.find("99"), std::string::npos) << log;
}

// The issue's reproducers: the plan's reader refuses them (exit 2, the file
// and the field named) before anything is cloned, not after the clone.
TEST(LaunchDmlrun, PathOutOfTheRepoOrOptionRefExitsTwoBeforeTheClone) {
  TempDir dir;
  std::string repo = MakeRepo(dir);
  plan::Plan plan = CommandPlan(repo, dir.path());
  plan.command->entrypoint = "../../../etc/passwd";
  plan.command->requirements_dir = "../x";
  plan.command->ref = "- a";
  std::string plan_path = dir.File("escape.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun, "local", plan_path, "--workdir", dir.File("work")}, dir, &log), 2) << log;
  EXPECT_NE(log.find(plan_path + ": command.entrypoint: '../../../etc/passwd' has a '..' component"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(plan_path + ": command.requirements_dir: '../x'"), std::string::npos) << log;
  EXPECT_NE(log.find(plan_path + ": command.ref: '- a' starts with '-'"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir.File("work"))) << log;
}

TEST(LaunchDmlrun, UsageErrorsExitTwo) {
  TempDir dir;
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun}, dir, &log), 2) << log;
  EXPECT_EQ(RunCommand({kDmlrun, "node", dir.File("x.yaml")}, dir, &log), 2) << log;  // no --node-rank
  EXPECT_NE(log.find("--node-rank"), std::string::npos) << log;
  EXPECT_EQ(RunCommand({kDmlrun, "local", dir.File("absent.yaml")}, dir, &log), 2) << log;
  EXPECT_NE(log.find("absent.yaml"), std::string::npos) << log;
}

TEST(LaunchDmlrun, NodeRankOutsideThePlanExitsTwo) {
  TempDir dir;
  std::string plan_path = dir.File("p.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(CommandPlan("/nowhere", dir.path())));
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun, "node", plan_path, "--node-rank", "5"}, dir, &log), 2) << log;
  EXPECT_NE(log.find("--node-rank 5"), std::string::npos) << log;
}

TEST(LaunchDmlrun, HelpListsCommandsAndExitCodes) {
  TempDir dir;
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun, "--help"}, dir, &log), 0) << log;
  EXPECT_NE(log.find("local"), std::string::npos) << log;
  EXPECT_NE(log.find("node"), std::string::npos) << log;
  EXPECT_NE(log.find("Exit codes"), std::string::npos) << log;
  EXPECT_EQ(log.find("internal"), std::string::npos) << log;  // `rank` stays hidden
}

// What a node with a preinstalled dmlrun checks against its plan.
TEST(LaunchDmlrun, VersionNamesThePlanVersionsItReads) {
  TempDir dir;
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun, "--version"}, dir, &log), 0) << log;
  EXPECT_NE(log.find("dmlrun "), std::string::npos) << log;
  EXPECT_NE(log.find("reads plan version " + std::to_string(plan::kPlanVersion)), std::string::npos)
      << log;
  EXPECT_EQ(RunCommand({kDmlrun, "version", "--json"}, dir, &log), 0) << log;
  const nlohmann::json version = nlohmann::json::parse(log, nullptr, false);
  ASSERT_TRUE(version.is_object()) << log;
  EXPECT_EQ(version["name"], "dmlrun");
  EXPECT_EQ(version["plan_versions"], nlohmann::json::array({plan::kPlanVersion}));
  EXPECT_TRUE(version["version"].is_string());
}

}  // namespace
}  // namespace dml::launch
