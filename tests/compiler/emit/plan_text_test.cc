// The plan's two forms when its text holds params (`${name}`), the
// parameters that guard them, number ranges as Heat reads them, and the
// dataset check in the boot scripts.
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/plan_files.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using plan::HeatParamToken;
using test_util::DeploymentSpec;
using test_util::MakeDeployment;

DeploymentSpec TextParams() {
  DeploymentSpec spec;
  spec.text_params = true;
  spec.workers_from_param = true;
  return spec;
}

YAML::Node MasterReplacements(const HeatOutput& out) {
  return YAML::Load(out.template_yaml)["resources"]["master"]["properties"]["user_data"]["str_replace"]["params"];
}

TEST(EmitPlanText, StrReplaceFillsEachTextParamFromTheStack) {
  const ir::Deployment d = MakeDeployment(TextParams());
  const HeatOutput out = EmitHeat(d);
  const YAML::Node params = MasterReplacements(out);
  for (const char* name : {"org", "branch", "steps", "workers"}) {
    EXPECT_EQ(params[HeatParamToken(name)]["get_param"].as<std::string>(), name) << name;
  }
  // str_replace would write a boolean as Python does ("True"); yaql's str()
  // writes "true", as the standalone plan does.
  const YAML::Node amp = params[HeatParamToken("amp")]["yaql"];
  ASSERT_TRUE(amp) << out.template_yaml;
  EXPECT_EQ(amp["expression"].as<std::string>(), "str($.data.value)");
  EXPECT_EQ(amp["data"]["value"]["get_param"].as<std::string>(), "amp");
  // Each worker group's servers get the same replacements.
  const YAML::Node worker = YAML::Load(out.template_yaml)["resources"]["workers_group"]["properties"]
                                                         ["resource_def"]["properties"]["user_data"]
                                                         ["str_replace"]["params"];
  EXPECT_EQ(worker[HeatParamToken("org")]["get_param"].as<std::string>(), "org");
  EXPECT_FALSE(params[HeatParamToken("lr")]);  // a param no text holds
}

TEST(EmitPlanText, TheEmbeddedPlanQuotesTokensAndTheStandalonePlanHasTheDefaults) {
  const ir::Deployment d = MakeDeployment(TextParams());
  const std::string embedded = EmbeddedPlanYaml(d);
  EXPECT_NE(embedded.find("repo: \"https://github.com/" + HeatParamToken("org") + "/x.git\""), std::string::npos)
      << embedded;
  EXPECT_NE(embedded.find("ref: \"" + HeatParamToken("branch") + "\""), std::string::npos) << embedded;
  EXPECT_NE(embedded.find("count: " + HeatParamToken("workers")), std::string::npos) << embedded;
  for (const auto& [group, script] : EmitHeat(d).boot_scripts) {
    EXPECT_NE(script.find(embedded), std::string::npos) << group;
  }

  const std::string standalone = StandalonePlanYaml(d);
  EXPECT_EQ(standalone.find(plan::kHeatTokenMark), std::string::npos) << standalone;
  EXPECT_FALSE(plan::HasParamHole(standalone)) << standalone;
  const plan::LoadResult loaded = plan::ParsePlan(standalone, "standalone.plan.yaml");
  ASSERT_TRUE(loaded.plan) << loaded.errors.front().Render();
  const plan::CommandSpec& cmd = *loaded.plan->command;
  EXPECT_EQ(cmd.repo, std::string("https://github.com/") + test_util::kOrgDefault + "/x.git");
  EXPECT_EQ(cmd.ref, test_util::kBranchDefault);
  EXPECT_EQ(cmd.args, (std::vector<std::string>{std::string("--steps=") + test_util::kStepsDefault,
                                                "--amp=false", "--plain"}));
  EXPECT_EQ(loaded.plan->cluster.groups[1].count, 1);  // the count param's default, as before
  // Without text params both forms are what SerializePlan writes.
  const ir::Deployment plain = MakeDeployment({});
  EXPECT_EQ(StandalonePlanYaml(plain), plan::SerializePlan(plain.plan));
}

TEST(EmitPlanText, ParametersCarryThePatternAndNumberRangesAsHeatReadsThem) {
  const YAML::Node p = YAML::Load(EmitHeat(MakeDeployment(TextParams())).template_yaml)["parameters"];
  const YAML::Node org = p["org"]["constraints"][0];
  EXPECT_EQ(org["allowed_pattern"].as<std::string>(), R"([^"\\@\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]*)");
  EXPECT_EQ(org["description"].as<std::string>(), "no double quote, backslash or control character");
  // A count is a whole number: Heat refuses 2.5 at stack create.
  const YAML::Node workers = p["workers"]["constraints"];
  bool modulo = false;
  for (const YAML::Node& c : workers) modulo = modulo || (c["modulo"] && c["modulo"]["step"].as<int>() == 1);
  EXPECT_TRUE(modulo) << p["workers"];
  EXPECT_EQ(p["steps"]["constraints"][0]["range"]["min"].as<std::string>(), "1");
  EXPECT_EQ(p["steps"]["constraints"][0]["range"]["max"].as<std::string>(), "1000000");
  // An excluded float end: the next double, written with a dot so that
  // YAML 1.1 (Heat's reader) takes it for a number.
  EXPECT_EQ(p["lr"]["constraints"][0]["range"]["min"].as<std::string>(), "5.0e-324");
  EXPECT_EQ(p["lr"]["constraints"][0]["range"]["max"].as<std::string>(), "1");
}

ir::DatasetDigests Digests(char train_images) {
  return {std::string(64, train_images), std::string(64, 'b'), std::string(64, 'c'), std::string(64, 'd')};
}

TEST(EmitDatasetCheck, EveryNodeChecksTheFilesItWasToldAbout) {
  DeploymentSpec spec;
  spec.dataset_sha256 = Digests('a');
  const HeatOutput out = EmitHeat(MakeDeployment(spec));
  for (const auto& [group, script] : out.boot_scripts) {
    SCOPED_TRACE(group);
    const std::string expected =
        "\ndml_step 'checking the dataset files'\n"
        "dml_check_sha256 '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz' '" + std::string(64, 'a') + "'\n"
        "dml_check_sha256 '/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz' '" + std::string(64, 'b') + "'\n"
        "dml_check_sha256 '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz' '" + std::string(64, 'c') + "'\n"
        "dml_check_sha256 '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz' '" + std::string(64, 'd') + "'\n";
    const size_t at = script.find(expected);
    ASSERT_NE(at, std::string::npos) << script;
    // After the install, before the job.
    EXPECT_LT(script.find("dml_step 'installing"), at);
    EXPECT_GT(script.find("dml_step 'running the job'"), at);
  }
  // (Workers check the runtime package's sha256 too, but not from a here-document.)
  for (const auto& [group, script] : EmitHeat(MakeDeployment({})).boot_scripts) {
    EXPECT_EQ(script.find("dml_check_sha256"), std::string::npos) << group;
    EXPECT_EQ(script.find("checking the dataset files"), std::string::npos) << group;
  }
  // A command job has no dataset to check.
  DeploymentSpec command = TextParams();
  command.dataset_sha256 = Digests('a');
  for (const auto& [group, script] : EmitHeat(MakeDeployment(command)).boot_scripts) {
    EXPECT_EQ(script.find("checking the dataset files"), std::string::npos) << group;
  }
}

TEST(EmitDatasetCheck, OddPathsAreShellQuotedArguments) {
  DeploymentSpec spec;
  spec.dataset_sha256 = Digests('a');
  spec.dataset_dir = "/data/a\\b\n'$(touch x)'@@DML_NODE_INDEX@@";
  const std::string script = EmitHeat(MakeDeployment(spec)).boot_scripts[0].second;
  EXPECT_NE(script.find("dml_check_sha256 $'/data/a\\\\b\\x0a\\'$(touch x)\\'\\x40\\x40DML_NODE_INDEX\\x40\\x40/train-images"),
            std::string::npos)
      << script;
}

}  // namespace
}  // namespace dml::emit
