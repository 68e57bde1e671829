#include "tests/compiler/emit/emit_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "runtime/plan/plan_yaml.h"

namespace dml::emit::test_util {

namespace {

ir::HeatParam Param(std::string name, ir::ParamType type, std::optional<std::string> value,
                    std::string label, std::string description, std::string constraint) {
  ir::HeatParam p;
  p.name = std::move(name);
  p.type = type;
  p.default_value = std::move(value);
  p.label = std::move(label);
  p.description = std::move(description);
  p.custom_constraint = std::move(constraint);
  return p;
}

ir::NodeGroup Group(std::string name, ir::Value flavor, int count, int first_node_rank) {
  ir::NodeGroup g;
  g.name = std::move(name);
  g.flavor = std::move(flavor);
  g.image = ir::Value::Param("image");
  g.count = count;
  g.first_node_rank = first_node_rank;
  return g;
}

// As sema lowers `repo = "https://github.com/${org}/x.git"` and so on.
void AddTextParams(ir::Deployment& d) {
  using plan::ParamHole;
  d.params.push_back(Param("org", ir::ParamType::kString, kOrgDefault, "org", "The GitHub organization", ""));
  d.params.back().allowed_pattern = R"([^"\\@\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]*)";  // sema's kPlanTextPattern
  d.params.back().allowed_pattern_description = "no double quote, backslash or control character";
  d.params.push_back(Param("branch", ir::ParamType::kString, kBranchDefault, "branch", "The branch", ""));
  d.params.back().allowed_pattern = d.params[d.params.size() - 2].allowed_pattern;
  d.params.push_back(Param("steps", ir::ParamType::kNumber, kStepsDefault, "steps", "Steps", ""));
  d.params.back().range_min = 1;
  d.params.back().range_max = 1e6;
  d.params.push_back(Param("amp", ir::ParamType::kBoolean, "false", "amp", "Mixed precision", ""));
  d.params.push_back(Param("lr", ir::ParamType::kNumber, "0.001", "lr", "Learning rate", ""));
  d.params.back().range_min = std::nextafter(0.0, 1.0);
  d.params.back().range_max = 1;
  d.text_params = {{"org", kOrgDefault}, {"branch", kBranchDefault}, {"steps", kStepsDefault}, {"amp", "false"}};
  d.plan.kind = plan::JobKind::kCommand;
  d.plan.train.reset();
  d.plan.command = plan::CommandSpec{"https://github.com/" + ParamHole("org") + "/x.git",
                                     ParamHole("branch"),
                                     "",
                                     "train.py",
                                     {"--steps=" + ParamHole("steps"), "--amp=" + ParamHole("amp"), "--plain"},
                                     "python3"};
}

}  // namespace

ir::Deployment MakeDeployment(const DeploymentSpec& spec) {
  ir::Deployment d;
  d.name = spec.job;
  d.description = "Test deployment of job " + spec.job;

  d.params = {
      Param("key_name", ir::ParamType::kString, std::nullopt, "Key pair",
            "An existing Nova key pair", "nova.keypair"),
      Param("image", ir::ParamType::kString, "CC-Ubuntu22.04", "Image", "Image of every node",
            "glance.image"),
      Param("flavor", ir::ParamType::kString, "m1.medium", "Flavor", "Flavor of every node",
            "nova.flavor"),
      Param("external_network", ir::ParamType::kString, "public", "External network",
            "Network of the floating IP", "neutron.network"),
      Param("ssh_from", ir::ParamType::kString, "0.0.0.0/0", "SSH from",
            "CIDR that may reach the master over SSH", ""),
  };
  d.params.back().cidr_constraint = "";
  if (spec.workers_from_param) {
    d.params.push_back(Param("workers", ir::ParamType::kNumber, std::to_string(spec.workers),
                             "Workers", "Worker nodes beside the master", ""));
    d.params.back().range_min = 0;
    d.params.back().range_max = 250;
    d.params.back().whole_number = true;
  }

  d.key_name = ir::Value::Param("key_name");
  d.network.cidr = "10.8.1.0/24";
  d.network.gateway = "10.8.1.1";
  d.network.master_ip = "10.8.1.250";
  d.network.allocation_pools = {{"10.8.1.2", "10.8.1.249"}, {"10.8.1.251", "10.8.1.254"}};
  d.network.dns_nameservers = {"8.8.8.8", "1.1.1.1"};
  d.network.external_network = ir::Value::Param("external_network");
  d.network.ssh_from = ir::Value::Param("ssh_from");

  d.groups = {Group("master", ir::Value::Param("flavor"), 1, 0)};
  d.groups.push_back(Group("workers", ir::Value::Literal("m1.large"), spec.workers, 1));
  d.groups.back().count_param = spec.workers_from_param ? "workers" : "";
  if (spec.reservation) {
    d.params.push_back(Param("lease", ir::ParamType::kString, std::nullopt, "lease",
                             "The Blazar reservation of the workers", ""));
    d.groups.back().reservation = ir::Value::Param("lease");
  }
  for (int i = 0; i < spec.extra_worker_groups; ++i) {
    // Numbered by the default counts, as sema does.
    d.groups.push_back(Group("extra" + std::to_string(i), ir::Value::Param("flavor"), 1,
                             1 + spec.workers + i));
    d.groups.back().image = ir::Value::Literal("Ubuntu 22.04");
  }

  d.runtime.kind = spec.runtime;
  d.runtime.url = spec.url;
  d.runtime.ref = spec.ref;
  d.runtime.sha256 = spec.sha256;
  d.power_off = spec.power_off;

  plan::Plan& p = d.plan;
  p.job = spec.job;
  p.cluster.subnet = d.network.cidr;
  p.cluster.master_addr = d.network.master_ip;
  for (const ir::NodeGroup& g : d.groups) {
    p.cluster.groups.push_back({g.name, g.count, g.procs_per_node, g.count_param});
  }
  p.timeouts.job_s = 5400;
  plan::TrainSpec train;
  train.dataset.name = "fashion_mnist";
  train.dataset.train_images = "train-images-idx3-ubyte.gz";
  train.dataset.train_labels = "train-labels-idx1-ubyte.gz";
  train.dataset.test_images = "t10k-images-idx3-ubyte.gz";
  train.dataset.test_labels = "t10k-labels-idx1-ubyte.gz";
  train.dataset.train_size = 60000;
  train.dataset.test_size = 10000;
  train.model.layers = {784, 100, 10};
  train.epochs = 10;
  train.seed = 42;
  train.dataset.dir = spec.dataset_dir;
  p.train = train;
  d.dataset_sha256 = spec.dataset_sha256;
  if (spec.text_params) AddTextParams(d);
  return d;
}

// Workers from a parameter; a dataset file and a model downloaded, one URL
// with a text param in it; the output uploaded to a hidden URL parameter.
ir::Deployment DownloadsAndUploadDeployment() {
  DeploymentSpec spec;
  spec.runtime = ir::RuntimeSource::Kind::kDeb;
  spec.workers = 2;
  spec.workers_from_param = true;
  ir::Deployment d = MakeDeployment(spec);
  ir::HeatParam mirror;
  mirror.name = "mirror";
  mirror.default_value = "data.example.org";
  mirror.allowed_pattern = R"([^"\\@\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]*)";  // sema's kPlanTextPattern
  d.params.push_back(mirror);
  d.text_params.push_back({"mirror", "data.example.org"});
  d.plan.train->dataset.dir = "/var/lib/dml/datasets/tiny";
  d.plan.train->downloads = {
      {"train-images-idx3-ubyte.gz", "https://" + plan::ParamHole("mirror") + "/tiny/train-images-idx3-ubyte.gz",
       std::string(64, 'a')},
      {"/var/lib/dml/models/net.pt", "https://models.example.org/net.pt?v=1&x=2", std::string(64, 'b')}};
  ir::HeatParam upload;
  upload.name = "upload_url";
  upload.label = "Upload URL";
  upload.description = "A presigned PUT URL for the output archive";
  upload.default_value = "https://swift.example.org/v1/AUTH_a/c/o.tar.gz?temp_url_sig=0f&temp_url_expires=17";
  d.params.push_back(upload);
  d.upload = ir::Upload{"upload_url"};
  return d;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

namespace {

std::filesystem::path ProcessTempDir() {
  return std::filesystem::temp_directory_path() /
         ("dml_emit_test_" + std::to_string(::getpid()));
}

// Removes this process's temporary directories when the tests end.
class TempDirCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(ProcessTempDir(), ignored);
  }
};

const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new TempDirCleanup);

}  // namespace

std::string MakeTempDir(const std::string& name) {
  const auto dir = ProcessTempDir() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string SubstituteHeatTokens(const std::string& script, const HeatTokens& tokens,
                                 const ir::Deployment& deployment, int node_index,
                                 const std::string& wc_notify_command) {
  std::string out = script;
  ReplaceAll(out, tokens.wc_notify, wc_notify_command);
  ReplaceAll(out, tokens.node_index, std::to_string(node_index));
  for (const ir::HeatParam& p : deployment.params) {
    ReplaceAll(out, plan::HeatParamToken(p.name), p.default_value.value_or("1"));
  }
  return out;
}

bool HaveCommand(const std::string& name) {
  return RunCommand("command -v " + name + " >/dev/null").status == 0;
}

}  // namespace dml::emit::test_util
