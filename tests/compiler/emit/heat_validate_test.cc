// Heat's own validator on emitted templates, bash -n and shellcheck on every
// boot script, and proof that hostile .dml values stay inside their quotes.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/shell_quote.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/emit/emit_test_util.h"

#ifndef DML_HEAT_VALIDATE
#error "DML_HEAT_VALIDATE must name heat_validate.py (set by tests/compiler/emit/CMakeLists.txt)"
#endif

namespace dml::emit {
namespace {

using test_util::DeploymentSpec;
using test_util::MakeDeployment;
using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::RunCommand;
using test_util::WriteFile;

const std::string kHostileRef = "main'; touch /tmp/dml_emit_pwned; '";
const std::string kHostileUrl = "https://example.org/$(touch /tmp/dml_emit_pwned)`id`.git";
const std::string kHostileJob = "job\"'$(id)`id`;\n rm -rf / #";

// The Deployments whose templates and scripts are checked: literal and
// parameter counts, the three runtime sources, power-off on and off, a reservation's
// scheduler hint, hostile values.
std::vector<std::pair<std::string, ir::Deployment>> Cases() {
  std::vector<std::pair<std::string, ir::Deployment>> cases;
  cases.emplace_back("literal_git", MakeDeployment({}));
  DeploymentSpec params;
  params.workers_from_param = true;
  params.extra_worker_groups = 1;
  params.reservation = true;  // bare metal: scheduler_hints on the workers
  cases.emplace_back("param_count", MakeDeployment(params));
  DeploymentSpec deb;
  deb.runtime = ir::RuntimeSource::Kind::kDeb;
  deb.url = "https://example.org/dml_0.1.0_amd64.deb";
  deb.power_off = false;
  deb.workers = 0;
  cases.emplace_back("deb_no_power_off", MakeDeployment(deb));
  DeploymentSpec deb_workers = deb;  // workers that fetch the package from the master
  deb_workers.workers = 2;
  cases.emplace_back("deb_workers", MakeDeployment(deb_workers));
  DeploymentSpec preinstalled;
  preinstalled.runtime = ir::RuntimeSource::Kind::kPreinstalled;
  cases.emplace_back("preinstalled", MakeDeployment(preinstalled));
  DeploymentSpec hostile;
  hostile.job = kHostileJob;
  hostile.url = kHostileUrl;
  hostile.ref = kHostileRef;
  hostile.workers_from_param = true;
  cases.emplace_back("hostile", MakeDeployment(hostile));
  DeploymentSpec text;  // params in the plan's text; a float range; a dataset check
  text.text_params = true;
  text.workers_from_param = true;
  cases.emplace_back("text_params", MakeDeployment(text));
  DeploymentSpec digests;
  digests.dataset_sha256 = ir::DatasetDigests{std::string(64, 'a'), std::string(64, 'b'), std::string(64, 'c'),
                                              std::string(64, 'd')};
  cases.emplace_back("dataset_sha256", MakeDeployment(digests));
  cases.emplace_back("downloads_upload", test_util::DownloadsAndUploadDeployment());
  DeploymentSpec preinstalled_downloads;  // no runtime to serve, but downloads
  preinstalled_downloads.runtime = ir::RuntimeSource::Kind::kPreinstalled;
  ir::Deployment served = MakeDeployment(preinstalled_downloads);
  served.plan.train->downloads = test_util::DownloadsAndUploadDeployment().plan.train->downloads;
  cases.emplace_back("preinstalled_downloads", served);
  return cases;
}

TEST(EmitHeatValidate, TemplatesPassHeatAndScriptsPassShellcheck) {
  const std::string validator = DML_HEAT_VALIDATE;
  if (!std::filesystem::exists(validator)) {
    GTEST_SKIP() << "Heat's validator is not at " << validator
                 << " (set -DDML_HEAT_VALIDATE=/path/to/heat_validate.py)";
  }
  if (!test_util::HaveCommand("shellcheck")) {
    GTEST_SKIP() << "shellcheck is not installed (apt-get install shellcheck)";
  }
  const std::string dir = MakeTempDir("validate");
  std::vector<std::string> templates;
  std::string all_scripts;  // one shellcheck run for all: it starts slowly
  for (const auto& [name, deployment] : Cases()) {
    const HeatOutput out = EmitHeat(deployment);
    templates.push_back(dir + "/" + name + ".heat.yaml");
    WriteFile(templates.back(), out.template_yaml);
    for (const auto& [group, script] : out.boot_scripts) {
      const std::string script_path = dir + "/" + name + "." + group + ".sh";
      WriteFile(script_path, test_util::SubstituteHeatTokens(script, out.tokens, deployment, 0,
                                                             test_util::kPlausibleCurlCli));
      const auto syntax = RunCommand("bash -n " + script_path);
      EXPECT_EQ(syntax.status, 0) << script_path << ": " << syntax.output;
      all_scripts += " " + script_path;
    }
  }
  // The validator takes one template and a few seconds: run them side by side.
  std::string command;
  for (const std::string& t : templates) {
    command += "(/usr/bin/python3 " + validator + " " + t + " >" + t + ".out 2>/dev/null; echo $? >" +
               t + ".rc) & ";
  }
  RunCommand(command + "wait");
  for (const std::string& t : templates) {
    SCOPED_TRACE(t);
    EXPECT_EQ(ReadFile(t + ".rc"), "0\n") << ReadFile(t + ".out");
    EXPECT_EQ(ReadFile(t + ".out"), "OK\n");
  }
  const auto lint = RunCommand("shellcheck" + all_scripts);
  EXPECT_EQ(lint.status, 0) << lint.output;
}

// Heat refuses, before it creates anything, a value of a text parameter that
// could end the plan's quoted string or its here-document; number ranges
// (an excluded float end among them) hold as written.
TEST(EmitHeatValidate, TextParamsRefuseValuesThatWouldBreakThePlan) {
  const std::string validator = DML_HEAT_VALIDATE;
  if (!std::filesystem::exists(validator)) GTEST_SKIP() << "Heat's validator is not at " << validator;
  DeploymentSpec spec;
  spec.text_params = true;
  const std::string path = MakeTempDir("text_params") + "/t.heat.yaml";
  WriteFile(path, EmitHeat(MakeDeployment(spec)).template_yaml);
  const std::vector<std::pair<std::string, bool>> cases = {
      {"org='my lab: #1 {x}'", true}, {"org='a\"b'", false},    {"org=$'a\\nb'", false},
      {"org='a\\b'", false},          {"branch=$'a\\tb'", false}, {"lr=0", false},
      {"lr=1e-300", true},             {"steps=0", false},        {"amp=true", true}};
  std::string command;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string out = path + "." + std::to_string(i);
    command += "(/usr/bin/python3 " + validator + " " + path + " -P key_name=k -P " + cases[i].first + " >" + out +
               " 2>&1; echo $? >>" + out + ") & ";
  }
  RunCommand("bash -c " + ShellQuote(command + "wait"));
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string result = ReadFile(path + "." + std::to_string(i));
    SCOPED_TRACE(cases[i].first + ": " + result);
    EXPECT_EQ(result.find("OK\n0\n") != std::string::npos, cases[i].second);
    if (!cases[i].second) EXPECT_NE(result.find("is invalid"), std::string::npos);
  }
}

// Heat refuses, before it creates anything, an upload URL that is not an
// https URL of a presigned URL's characters.
TEST(EmitHeatValidate, TheUploadParameterTakesOnlyAnHttpsUrl) {
  const std::string validator = DML_HEAT_VALIDATE;
  if (!std::filesystem::exists(validator)) GTEST_SKIP() << "Heat's validator is not at " << validator;
  const std::string path = MakeTempDir("upload_param") + "/t.heat.yaml";
  WriteFile(path, EmitHeat(test_util::DownloadsAndUploadDeployment()).template_yaml);
  const std::vector<std::pair<std::string, bool>> cases = {
      {"https://swift.example.org/v1/AUTH_a/c/o.tar.gz?temp_url_sig=0f&temp_url_expires=17", true},
      {"https://s3.example.org/b/k?X-Amz-Credential=AK%2F20261206%2Fus-east-1&X-Amz-Signature=ab", true},
      {"http://example.org/o", false},
      {"https://example.org/a b", false},
      {"https://example.org/a\nb", false},
      {"https://user@example.org/o", false},
      {"https://example.org/a'b", false},
      {"https://example.org/`id`", false},
      {"", false}};
  std::string command;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string out = path + "." + std::to_string(i);
    command += "(/usr/bin/python3 " + validator + " " + path + " -P key_name=k -P " +
               ShellQuote("upload_url=" + cases[i].first) + " >" + out + " 2>&1; echo $? >>" + out + ") & ";
  }
  RunCommand("bash -c " + ShellQuote(command + "wait"));
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string result = ReadFile(path + "." + std::to_string(i));
    SCOPED_TRACE(cases[i].first + ": " + result);
    EXPECT_EQ(result.find("OK\n0\n") != std::string::npos, cases[i].second);
  }
}

// The assignments at the top of a boot script, run in bash, give back the
// hostile values byte for byte and run none of the commands they hold.
TEST(EmitHeatValidate, HostileValuesStayInsideQuotes) {
  std::filesystem::remove("/tmp/dml_emit_pwned");
  DeploymentSpec spec;
  spec.job = kHostileJob;
  spec.url = kHostileUrl;
  spec.ref = kHostileRef;
  const HeatOutput out = EmitHeat(MakeDeployment(spec));
  // The master's: it fetches the runtime from the URL at the ref.
  const std::string& script = out.boot_scripts[0].second;
  // The values are assigned in the brace group at the top of the script.
  const size_t end = script.find("\n}\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_NE(script.find("  DML_RUNTIME_REF='main'\\''; touch /tmp/dml_emit_pwned; '\\'''"),
            std::string::npos);
  const std::string dir = MakeTempDir("hostile");
  std::string probe = script.substr(0, end + 3);  // through the closing brace
  for (const char* var : {"DML_JOB", "DML_RUNTIME_URL", "DML_RUNTIME_REF", "DML_GROUP"}) {
    probe += std::string("printf '%s' \"$") + var + "\" > " + dir + "/" + var + "\n";
  }
  WriteFile(dir + "/probe.sh", probe);
  const auto result = RunCommand("bash " + dir + "/probe.sh");
  ASSERT_EQ(result.status, 0) << result.output << probe;
  EXPECT_EQ(ReadFile(dir + "/DML_JOB"), kHostileJob);
  EXPECT_EQ(ReadFile(dir + "/DML_RUNTIME_URL"), kHostileUrl);
  EXPECT_EQ(ReadFile(dir + "/DML_RUNTIME_REF"), kHostileRef);
  EXPECT_EQ(ReadFile(dir + "/DML_GROUP"), "master");
  EXPECT_FALSE(std::filesystem::exists("/tmp/dml_emit_pwned"));
}

}  // namespace
}  // namespace dml::emit
