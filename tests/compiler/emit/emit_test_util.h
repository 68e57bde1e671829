// Shared by the emit tests: hand-built Deployments, running commands, and the
// values Heat would put in for a boot script's tokens.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/emit/heat_emitter.h"
#include "compiler/ir/deployment.h"

namespace dml::emit::test_util {

struct DeploymentSpec {
  std::string job = "mnist";
  int workers = 1;
  bool workers_from_param = false;  // count = {get_param: workers}
  ir::RuntimeSource::Kind runtime = ir::RuntimeSource::Kind::kGit;
  std::string url = "https://github.com/dml-project/dml.git";
  std::string ref = "v0.1.0";
  std::string sha256 = std::string(64, 'a');
  bool power_off = true;
  int extra_worker_groups = 0;  // more groups after "workers", literal count 1
  bool reservation = false;     // the workers on a Blazar reservation (param `lease`)
  // A command job whose plan text holds params (`${org}`, `${steps}`,
  // `${amp}`, `${branch}`), as sema lowers them, in place of the train job.
  bool text_params = false;
  // The train job's dataset directory, and its files' sha256 digests.
  std::string dataset_dir = "/usr/share/datasets/fashion-mnist";
  std::optional<ir::DatasetDigests> dataset_sha256;
};

// The text params of DeploymentSpec::text_params, with their defaults.
inline constexpr const char* kOrgDefault = "example-lab";
inline constexpr const char* kStepsDefault = "100";
inline constexpr const char* kBranchDefault = "main";

ir::Deployment MakeDeployment(const DeploymentSpec& spec);

// A deb runtime, workers from a parameter; a dataset file and a model
// downloaded (the dataset's URL holds the text param `mirror`); the output
// uploaded to the URL of the hidden parameter `upload_url`.
ir::Deployment DownloadsAndUploadDeployment();

struct CommandResult {
  int status = -1;  // exit status, or -1 if it did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh -c.
CommandResult RunCommand(const std::string& command);

// A fresh directory under the test's temporary folder.
std::string MakeTempDir(const std::string& name);
void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// The boot script of `group` as Heat would hand it to the node: tokens
// replaced with plausible values (a curl_cli command line, the node's index,
// each count parameter's default).
std::string SubstituteHeatTokens(const std::string& script, const HeatTokens& tokens,
                                 const ir::Deployment& deployment, int node_index,
                                 const std::string& wc_notify_command);

// A curl_cli as Heat 19 writes it for a token-authenticated handle.
inline constexpr const char* kPlausibleCurlCli =
    "curl -i -X POST -H 'X-Auth-Token: gAAAAABmTOKEN' -H 'Content-Type: application/json' "
    "-H 'Accept: application/json' "
    "https://heat.example.org:8004/v1/p/stacks/s/id/resources/wait_handle/signal";

void ReplaceAll(std::string& text, const std::string& from, const std::string& to);

bool HaveCommand(const std::string& name);

}  // namespace dml::emit::test_util
