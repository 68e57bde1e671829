// The structure of the emitted template: resources, types and properties.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "compiler/emit/boot_install.h"
#include "compiler/emit/boot_script.h"
#include "compiler/emit/heat_emitter.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using test_util::DeploymentSpec;
using test_util::MakeDeployment;

YAML::Node Parse(const HeatOutput& out) { return YAML::Load(out.template_yaml); }

int CountOfType(const YAML::Node& resources, const std::string& type) {
  int n = 0;
  for (const auto& r : resources) n += r.second["type"].as<std::string>() == type;
  return n;
}

TEST(EmitTemplate, OneWorkerHasTheExpectedResources) {
  const HeatOutput out = EmitHeat(MakeDeployment({}));
  const YAML::Node t = Parse(out);
  EXPECT_EQ(t["heat_template_version"].as<std::string>(), "2018-08-31");
  EXPECT_EQ(t["description"].as<std::string>(), "Test deployment of job mnist");
  const YAML::Node r = t["resources"];
  EXPECT_EQ(r["private_net"]["type"].as<std::string>(), "OS::Neutron::Net");
  EXPECT_EQ(r["private_subnet"]["properties"]["cidr"].as<std::string>(), "10.8.1.0/24");
  EXPECT_EQ(r["private_subnet"]["properties"]["allocation_pools"][1]["start"].as<std::string>(),
            "10.8.1.251");
  EXPECT_EQ(r["router"]["properties"]["external_gateway_info"]["network"]["get_param"]
                .as<std::string>(),
            "external_network");
  EXPECT_EQ(r["router_interface"]["properties"]["subnet"]["get_resource"].as<std::string>(),
            "private_subnet");

  const YAML::Node port = r["master_port"]["properties"];
  EXPECT_EQ(port["fixed_ips"][0]["ip_address"].as<std::string>(), "10.8.1.250");
  EXPECT_EQ(port["security_groups"][0]["get_resource"].as<std::string>(), "security_group");
  const YAML::Node fip = r["master_floating_ip"];
  EXPECT_EQ(fip["type"].as<std::string>(), "OS::Neutron::FloatingIP");
  EXPECT_EQ(fip["depends_on"].as<std::string>(), "router_interface");
  EXPECT_EQ(fip["properties"]["port_id"]["get_resource"].as<std::string>(), "master_port");

  const YAML::Node master = r["master"]["properties"];
  EXPECT_EQ(r["master"]["type"].as<std::string>(), "OS::Nova::Server");
  EXPECT_EQ(master["key_name"]["get_param"].as<std::string>(), "key_name");
  EXPECT_EQ(master["flavor"]["get_param"].as<std::string>(), "flavor");
  EXPECT_EQ(master["networks"][0]["port"]["get_resource"].as<std::string>(), "master_port");
  EXPECT_EQ(master["user_data_format"].as<std::string>(), "RAW");
  const YAML::Node replace = master["user_data"]["str_replace"];
  EXPECT_EQ(replace["template"].as<std::string>(), out.boot_scripts[0].second);
  EXPECT_EQ(replace["params"]["@@DML_WC_NOTIFY@@"]["get_attr"][1].as<std::string>(), "curl_cli");
  EXPECT_EQ(replace["params"]["@@DML_NODE_INDEX@@"].as<int>(), 0);

  // One ResourceGroup, never pasted copies of the worker.
  EXPECT_EQ(CountOfType(r, "OS::Nova::Server"), 1);
  EXPECT_EQ(CountOfType(r, "OS::Heat::ResourceGroup"), 1);
  const YAML::Node group = r["workers_group"]["properties"];
  EXPECT_EQ(group["count"].as<int>(), 1);
  EXPECT_EQ(group["index_var"].as<std::string>(), "@@DML_NODE_INDEX@@");
  const YAML::Node member = group["resource_def"];
  EXPECT_EQ(member["type"].as<std::string>(), "OS::Nova::Server");
  EXPECT_EQ(member["properties"]["flavor"].as<std::string>(), "m1.large");
  EXPECT_EQ(member["properties"]["name"].as<std::string>(), "mnist-workers-@@DML_NODE_INDEX@@");
  EXPECT_EQ(member["properties"]["security_groups"][0]["get_resource"].as<std::string>(),
            "security_group");
  EXPECT_EQ(member["properties"]["user_data"]["str_replace"]["template"].as<std::string>(),
            out.boot_scripts[1].second);

  const YAML::Node wait = r["wait_condition"]["properties"];
  EXPECT_EQ(wait["handle"]["get_resource"].as<std::string>(), "wait_handle");
  EXPECT_EQ(wait["count"].as<int>(), 2);
  EXPECT_EQ(wait["timeout"].as<int>(), 5400 + kProvisioningMarginS);
  EXPECT_EQ(r["wait_handle"]["type"].as<std::string>(), "OS::Heat::WaitConditionHandle");

  const YAML::Node outputs = t["outputs"];
  EXPECT_EQ(outputs["master_ip"]["value"]["get_attr"][0].as<std::string>(), "master_floating_ip");
  EXPECT_EQ(outputs["job_result"]["value"]["get_attr"][0].as<std::string>(), "wait_condition");
  EXPECT_EQ(outputs["job_result"]["value"]["get_attr"][1].as<std::string>(), "data");
  EXPECT_TRUE(outputs["ssh_command"]["value"]["str_replace"]);
}

TEST(EmitTemplate, ParametersCarryTypesDefaultsAndConstraints) {
  DeploymentSpec spec;
  spec.workers_from_param = true;
  const YAML::Node p = Parse(EmitHeat(MakeDeployment(spec)))["parameters"];
  EXPECT_EQ(p["key_name"]["type"].as<std::string>(), "string");
  EXPECT_FALSE(p["key_name"]["default"]);
  EXPECT_EQ(p["key_name"]["constraints"][0]["custom_constraint"].as<std::string>(),
            "nova.keypair");
  EXPECT_EQ(p["key_name"]["label"].as<std::string>(), "Key pair");
  EXPECT_EQ(p["image"]["constraints"][0]["custom_constraint"].as<std::string>(), "glance.image");
  EXPECT_EQ(p["ssh_from"]["default"].as<std::string>(), "0.0.0.0/0");
  EXPECT_EQ(p["ssh_from"]["constraints"][0]["custom_constraint"].as<std::string>(), "net_cidr");
  EXPECT_EQ(p["workers"]["type"].as<std::string>(), "number");
  EXPECT_EQ(p["workers"]["default"].as<int>(), 1);
  EXPECT_EQ(p["workers"]["constraints"][0]["range"]["min"].as<int>(), 0);
  EXPECT_EQ(p["workers"]["constraints"][0]["range"]["max"].as<int>(), 250);
}

TEST(EmitTemplate, ParamCountDrivesTheGroupAndTheWaitCount) {
  DeploymentSpec spec;
  spec.workers_from_param = true;
  spec.extra_worker_groups = 1;
  const HeatOutput out = EmitHeat(MakeDeployment(spec));
  const YAML::Node r = Parse(out)["resources"];
  EXPECT_EQ(CountOfType(r, "OS::Heat::ResourceGroup"), 2);
  EXPECT_EQ(r["workers_group"]["properties"]["count"]["get_param"].as<std::string>(), "workers");
  EXPECT_EQ(r["extra0_group"]["properties"]["count"].as<int>(), 1);
  const YAML::Node yaql = r["wait_condition"]["properties"]["count"]["yaql"];
  // master + the literal group + the parameter
  EXPECT_EQ(yaql["expression"].as<std::string>(), "$.data.c0 + 2");
  EXPECT_EQ(yaql["data"]["c0"]["get_param"].as<std::string>(), "workers");
  // The plan in every script holds the parameter's token, which str_replace fills.
  const std::string token = plan::HeatParamToken("workers");
  const YAML::Node params = r["workers_group"]["properties"]["resource_def"]["properties"]
                             ["user_data"]["str_replace"]["params"];
  EXPECT_EQ(params[token]["get_param"].as<std::string>(), "workers");
  for (const auto& [group, script] : out.boot_scripts) {
    EXPECT_NE(script.find(token), std::string::npos) << group;
  }
  // The group after the parameter-sized one starts at 1 + that count.
  ASSERT_EQ(out.boot_scripts[2].first, "extra0");
  // It reads the count from Heat's values, checks it, then adds it.
  EXPECT_NE(out.boot_scripts[2].second.find("\n" + token + "\nDML_HEAT_VALUES_EOF\n"), std::string::npos);
  EXPECT_NE(out.boot_scripts[2].second.find("dml_whole_number 'parameter workers' \"$DML_COUNT_workers\"\n"),
            std::string::npos);
  EXPECT_NE(out.boot_scripts[2].second.find("NODE_RANK=$((1 + 10#$DML_COUNT_workers + 10#$DML_NODE_INDEX))\n"),
            std::string::npos);
  EXPECT_EQ(r["extra0_group"]["properties"]["resource_def"]["properties"]["user_data"]
             ["str_replace"]["params"][token]["get_param"].as<std::string>(),
            "workers");
}

// Blank lines make the template readable but must not touch block scalars.
TEST(EmitTemplate, AReservationBecomesTheServersSchedulerHint) {
  DeploymentSpec spec;
  spec.reservation = true;
  ir::Deployment d = MakeDeployment(spec);
  const YAML::Node t = Parse(EmitHeat(d));
  const YAML::Node workers = t["resources"]["workers_group"]["properties"]["resource_def"]["properties"];
  ASSERT_TRUE(workers["scheduler_hints"]) << EmitHeat(d).template_yaml;
  EXPECT_EQ(workers["scheduler_hints"]["reservation"]["get_param"].as<std::string>(), "lease");
  // Groups without one get no hint.
  EXPECT_FALSE(t["resources"]["master"]["properties"]["scheduler_hints"]);
  d.groups[1].reservation = ir::Value::Literal("6f3c1d2e-lease");
  const YAML::Node literal = Parse(EmitHeat(d))["resources"]["workers_group"]["properties"]["resource_def"]["properties"];
  EXPECT_EQ(literal["scheduler_hints"]["reservation"].as<std::string>(), "6f3c1d2e-lease");
}

TEST(EmitTemplate, MultiLineDescriptionSurvivesFormatting) {
  ir::Deployment d = MakeDeployment({});
  d.description = "First line\n\n  indented: third\nlast\n";
  const HeatOutput out = EmitHeat(d);
  EXPECT_EQ(Parse(out)["description"].as<std::string>(), d.description);
  EXPECT_NE(out.template_yaml.find("description: |\n"), std::string::npos);
  d.description = "no final newline\nhere";
  EXPECT_EQ(Parse(EmitHeat(d))["description"].as<std::string>(), d.description);
  EXPECT_NE(out.template_yaml.find("\nresources:\n  private_net:\n"), std::string::npos);
  EXPECT_NE(out.template_yaml.find("\n\n  private_subnet:\n"), std::string::npos);
}

TEST(EmitTemplate, SecurityGroupLimitsSshAndClusterTraffic) {
  const YAML::Node rules =
      Parse(EmitHeat(MakeDeployment({})))["resources"]["security_group"]["properties"]["rules"];
  ASSERT_EQ(rules.size(), 3u);
  // SSH: port 22 only, only from the ssh_from parameter.
  EXPECT_EQ(rules[0]["protocol"].as<std::string>(), "tcp");
  EXPECT_EQ(rules[0]["port_range_min"].as<int>(), 22);
  EXPECT_EQ(rules[0]["port_range_max"].as<int>(), 22);
  EXPECT_EQ(rules[0]["remote_ip_prefix"]["get_param"].as<std::string>(), "ssh_from");
  // Rendezvous and Gloo: any TCP port, only from the group's own members
  // (remote_group_id left out: the group itself), never from an address
  // range, which a subnet such as 0.0.0.0/0 would open to anyone.
  for (size_t i = 1; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i]["remote_mode"].as<std::string>(), "remote_group_id") << i;
    EXPECT_FALSE(rules[i]["remote_group_id"]) << i;
    EXPECT_FALSE(rules[i]["remote_ip_prefix"]) << i;
    EXPECT_EQ(rules[i]["direction"].as<std::string>(), "ingress") << i;
  }
  EXPECT_EQ(rules[1]["protocol"].as<std::string>(), "tcp");
  EXPECT_EQ(rules[1]["port_range_min"].as<int>(), 1);
  EXPECT_EQ(rules[1]["port_range_max"].as<int>(), 65535);
  EXPECT_EQ(rules[2]["protocol"].as<std::string>(), "icmp");
}

// The plan between the heredoc lines is exactly what SerializePlan wrote.
std::string EmbeddedPlan(const std::string& script, const std::string& terminator) {
  const std::string open = "<<'" + terminator + "'\n";
  const size_t begin = script.find(open);
  const size_t end = script.find("\n" + terminator + "\n", begin);
  if (begin == std::string::npos || end == std::string::npos) return "<no heredoc>";
  return script.substr(begin + open.size(), end + 1 - begin - open.size());
}

TEST(EmitTemplate, BootScriptsInstallWriteThePlanAndRunTheNode) {
  DeploymentSpec spec;
  spec.workers_from_param = true;
  const ir::Deployment d = MakeDeployment(spec);
  const HeatOutput out = EmitHeat(d);
  ASSERT_EQ(out.boot_scripts.size(), 2u);
  plan::SerializeOptions options;
  options.for_heat = true;
  const std::string plan_text = plan::SerializePlan(d.plan, options);
  for (const auto& [group, script] : out.boot_scripts) {
    SCOPED_TRACE(group);
    EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
    EXPECT_NE(script.find("\nset -euo pipefail\n"), std::string::npos);
    // The master builds the runtime; the workers fetch it from the master.
    const bool master = group == "master";
    EXPECT_EQ(script.find("git clone -q --depth 1 --branch=") != std::string::npos, master);
    EXPECT_EQ(script.find("libtorch-dev libgloo-dev") != std::string::npos, master);
    EXPECT_EQ(script.find("python3 -m http.server --bind \"$DML_MASTER_ADDR\"") != std::string::npos,
              master);
    EXPECT_EQ(script.find("dml_step 'fetching the dml runtime package from the master'") !=
                  std::string::npos,
              !master);
    EXPECT_NE(script.find("  DML_MASTER_ADDR='" + d.network.master_ip + "'\n"), std::string::npos);
    EXPECT_NE(script.find("  DML_PLAN_FILE='/etc/dml/mnist.plan.yaml'"), std::string::npos);
    EXPECT_NE(script.find("dmlrun node \"$DML_PLAN_FILE\" --node-rank \"$NODE_RANK\""),
              std::string::npos);
    EXPECT_NE(script.find("trap dml_on_exit EXIT"), std::string::npos);
    EXPECT_NE(script.find("  DML_POWER_OFF=1\n"), std::string::npos);
    EXPECT_EQ(EmbeddedPlan(script, "DML_PLAN_EOF"), plan_text);
  }
  EXPECT_NE(out.boot_scripts[0].second.find("NODE_RANK=$((0 + 10#$DML_NODE_INDEX))\n"), std::string::npos);
  EXPECT_NE(out.boot_scripts[1].second.find("NODE_RANK=$((1 + 10#$DML_NODE_INDEX))\n"), std::string::npos);

  // After Heat's replacement the embedded plan reads back, count filled in.
  std::string node_plan = EmbeddedPlan(out.boot_scripts[1].second, "DML_PLAN_EOF");
  test_util::ReplaceAll(node_plan, plan::HeatParamToken("workers"), "7");
  const plan::LoadResult loaded = plan::ParsePlan(node_plan, "embedded");
  ASSERT_TRUE(loaded.plan) << (loaded.errors.empty() ? "" : loaded.errors[0].Render());
  EXPECT_EQ(loaded.plan->cluster.groups[1].count, 7);
}

TEST(EmitTemplate, DebRuntimeIsCheckedAndPowerOffIsAnOption) {
  DeploymentSpec spec;
  spec.runtime = ir::RuntimeSource::Kind::kDeb;
  spec.url = "https://example.org/dml_0.1.0_amd64.deb";
  spec.power_off = false;
  const std::string script = EmitHeat(MakeDeployment(spec)).boot_scripts[0].second;
  EXPECT_NE(script.find("  DML_RUNTIME_SHA256='" + spec.sha256 + "'"), std::string::npos);
  EXPECT_NE(script.find("sha256sum --check --strict"), std::string::npos);
  EXPECT_EQ(script.find("git clone"), std::string::npos);
  EXPECT_NE(script.find("  DML_POWER_OFF=0\n"), std::string::npos);
}

// The master serves the runtime on a port of its own, never the store's.
TEST(EmitTemplate, RuntimeIsServedBesideTheStorePort) {
  ir::Deployment d = MakeDeployment({});
  EXPECT_NE(EmitHeat(d).boot_scripts[1].second.find(
                "  DML_RUNTIME_PORT=" + std::to_string(kRuntimeServePort) + "\n"),
            std::string::npos);
  d.plan.cluster.port = kRuntimeServePort;
  for (const auto& [group, script] : EmitHeat(d).boot_scripts) {
    EXPECT_NE(script.find("  DML_RUNTIME_PORT=" + std::to_string(kRuntimeServePort + 1) + "\n"),
              std::string::npos) << group;
  }
}

TEST(EmitTemplate, PreinstalledRuntimeIsCheckedNotInstalled) {
  DeploymentSpec spec;
  spec.runtime = ir::RuntimeSource::Kind::kPreinstalled;
  for (const auto& [group, script] : EmitHeat(MakeDeployment(spec)).boot_scripts) {
    SCOPED_TRACE(group);
    EXPECT_NE(script.find("  DML_PLAN_VERSION=" + std::to_string(plan::kPlanVersion) + "\n"),
              std::string::npos);
    EXPECT_NE(script.find("dmlrun version --json"), std::string::npos);
    for (const char* absent : {"DML_RUNTIME_URL", "git clone", "http.server", "dml-runtime.deb"}) {
      EXPECT_EQ(script.find(absent), std::string::npos) << absent;
    }
  }
}

// A value from the .dml file cannot spell one of Heat's tokens: its '@'
// is escaped wherever it lands, so the tokens occur only where dmlc put them.
TEST(EmitTemplate, ValuesCannotSpellHeatTokens) {
  DeploymentSpec spec;
  spec.job = "job@@DML_WC_NOTIFY@@and@@DML_NODE_INDEX@@";
  spec.workers_from_param = true;
  const HeatOutput out = EmitHeat(MakeDeployment(spec));
  const YAML::Node group = Parse(out)["resources"]["workers_group"]["properties"];
  EXPECT_EQ(group["index_var"].as<std::string>(), "@@DML_NODE_INDEX@@");
  for (const auto& [name, script] : out.boot_scripts) {
    size_t notify = 0, index = 0;
    for (size_t at = script.find("@@DML_WC_NOTIFY@@"); at != std::string::npos; at = script.find("@@DML_WC_NOTIFY@@", at + 1)) ++notify;
    for (size_t at = script.find("@@DML_NODE_INDEX@@"); at != std::string::npos; at = script.find("@@DML_NODE_INDEX@@", at + 1)) ++index;
    EXPECT_EQ(notify, 1u) << script;  // dml_wc_notify's body
    EXPECT_EQ(index, 1u) << script;   // the values' here-document
    EXPECT_NE(script.find("  DML_JOB=$'job\\x40\\x40DML_WC_NOTIFY\\x40\\x40and"), std::string::npos) << script;
  }
}

TEST(EmitTemplate, HeredocTerminatorNeverEqualsAPlanLine) {
  const ir::Deployment d = MakeDeployment({});
  const std::string plan = "job: x\nDML_PLAN_EOF\nversion: 1\n";
  const std::string script = RenderBootScript(d, d.groups[0], plan, HeatTokens{});
  EXPECT_NE(script.find("<<'DML_PLAN_EOF_2'\n" + plan + "DML_PLAN_EOF_2\n"), std::string::npos);
}

TEST(EmitTemplate, PlanPathUsesOnlyPlainJobNames) {
  EXPECT_EQ(NodePlanPath("mnist"), "/etc/dml/mnist.plan.yaml");
  EXPECT_EQ(NodePlanPath("../../etc/passwd"), "/etc/dml/job.plan.yaml");
  EXPECT_EQ(NodePlanPath(".hidden"), "/etc/dml/job.plan.yaml");
}

}  // namespace
}  // namespace dml::emit

namespace dml::emit {
namespace {

// Issue 8, defect 4: yaml-cpp wrote DEL raw inside double quotes, which
// Heat's loader refuses ("unacceptable character #x007f"). Every character
// a YAML stream may not carry raw is escaped, and reads back the same.
TEST(EmitTemplate, CharactersYamlForbidsAreEscapedAndReadBack) {
  ir::Deployment d = test_util::MakeDeployment({});
  const std::string odd = std::string("a\x7f") + "b\xc2\x85" + "c\xe2\x80\xa8" + "d\xef\xbb\xbf" + "e\x01" + "f";
  for (ir::HeatParam& p : d.params) {
    if (p.name == "image") p.default_value = odd;
  }
  const std::string yaml = EmitHeat(d).template_yaml;
  for (const char* raw : {"\x7f", "\xc2\x85", "\xe2\x80\xa8", "\xef\xbb\xbf", "\x01"}) {
    EXPECT_EQ(yaml.find(raw), std::string::npos) << "raw " << raw;
  }
  EXPECT_EQ(YAML::Load(yaml)["parameters"]["image"]["default"].as<std::string>(), odd);
}

}  // namespace
}  // namespace dml::emit
