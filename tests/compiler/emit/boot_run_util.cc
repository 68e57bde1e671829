#include "tests/compiler/emit/boot_run_util.h"

#include <filesystem>
#include <sstream>

#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/shell_quote.h"
#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit::boot_run {
namespace {

using test_util::DeploymentSpec;
using test_util::MakeDeployment;
using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::ReplaceAll;
using test_util::RunCommand;
using test_util::WriteFile;

void WriteStub(const std::string& path, const std::string& body) {
  WriteFile(path, "#!/bin/bash\n" + body);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

}  // namespace

std::string Sha256Of(const std::string& text) {
  return RunCommand("printf '%s' '" + text + "' | sha256sum").output.substr(0, 64);
}

std::string ServedDir(const std::string& name, const std::string& content) {
  const std::string dir = MakeTempDir("served_" + name);
  WriteFile(dir + "/dml-runtime.deb", content);
  WriteFile(dir + "/dml-runtime.deb.sha256", Sha256Of(content) + "  dml-runtime.deb\n");
  return dir;
}

NodeRun RunNode(const ir::Deployment& d, size_t group, int index, const Stubs& stubs,
                const std::string& name) {
  const std::string dir = MakeTempDir("run_" + name);
  const std::string bin = dir + "/bin";
  std::filesystem::create_directories(bin);
  std::string master_dir = stubs.master_dir;
  if (stubs.master_answers && master_dir.empty()) master_dir = ServedDir(name, kDebContent);
  WriteStub(bin + "/apt-get", "echo \"apt-get $*\" | tee -a " + dir + "/apt_log\nexit " +
                                  std::to_string(stubs.apt_status) + "\n");
  // Downloads from https get stubs.https_files' content, else kDebContent;
  // from the master (http), the file of master_dir: curl's exit status 22
  // (HTTP 404) when it is not there, 7 (no connection) when no master
  // answers. An upload (--upload-file) is copied to the sandbox.
  std::string https_cases;
  for (const auto& [url, content] : stubs.https_files) {
    const std::string file = dir + "/https_" + std::to_string(https_cases.size());
    WriteFile(file, content);
    https_cases += "  " + ShellQuote(url) + ") cp " + file + " \"$out\"; exit 0 ;;\n";
  }
  WriteStub(bin + "/curl",
            "echo \"$*\" >> " + dir + "/curl_args\n"
            "while [[ $# -gt 0 ]]; do\n"
            "  [[ $1 == --output ]] && out=$2\n  [[ $1 == --url ]] && url=$2\n"
            "  [[ $1 == --upload-file ]] && upload=$2\n  shift\ndone\n"
            "echo \"$url\" >> " + dir + "/curl_log\n"
            "if [[ -n $upload ]]; then\n"
            "  if [[ " + std::to_string(stubs.upload_http_status) + " -ge 400 ]]; then\n"
            "    echo \"curl: (22) The requested URL returned error: " + std::to_string(stubs.upload_http_status) +
                " ($url)\" >&2\n    exit 22\n  fi\n"
            "  cp \"$upload\" " + dir + "/uploaded\n  printf '%s' \"$url\" > " + dir + "/upload_url\n  exit 0\nfi\n"
            "if [[ $url == http://* ]]; then\n"
            "  master='" + master_dir + "'\n"
            "  [[ -n $master ]] || exit 7\n"
            "  [[ -f $master/${url#http://*/} ]] || exit 22\n"
            "  cp \"$master/${url#http://*/}\" \"$out\"\n  exit 0\nfi\n"
            "if [[ -n " + ShellQuote(stubs.unreachable_url) + " && $url == " + ShellQuote(stubs.unreachable_url) + " ]]; then\n"
            "  echo \"curl: (7) Failed to connect to $url: Connection refused\" >&2\n  exit 7\nfi\n"
            "case $url in\n" + https_cases + "esac\n"
            "printf '%s' '" + std::string(kDebContent) + "' > \"$out\"\n");
  WriteStub(bin + "/dmlrun", "if [[ $1 == version ]]; then\n"
                             "  echo '{\"name\": \"dmlrun\", \"plan_versions\": " + stubs.plan_versions + "}'\n"
                             "  exit 0\nfi\n"
                             "echo \"$*\" > " + dir + "/dmlrun_args\n"
                             "while [[ $# -gt 0 ]]; do [[ $1 == --output ]] && output=$2; shift; done\n"
                             "if [[ -n $output ]]; then\n"
                             "  mkdir -p \"$output\"\n"
                             "  printf '%s' '" + std::string(kModelContent) + "' > \"$output/model.pt\"\n"
                             "  echo '{\"test_accuracy\": 0.8512}' > \"$output/result.json\"\n"
                             "  echo '{\"epoch\": 1}' > \"$output/metrics.jsonl\"\n"
                             "fi\n"
                             "echo 'epoch 1: test accuracy 0.8512'\n"
                             "exit " + std::to_string(stubs.dmlrun_status) + "\n");
  WriteStub(bin + "/dpkg-query", stubs.image_has_job_packages ? "printf 'install ok installed'\n"
                                                              : "exit 1\n");
  // python3 -m http.server records its arguments and pid, then waits to be
  // stopped; anything else is Debian's python3 (dml_signal uses it).
  WriteStub(bin + "/python3", "if [[ $1 == -m && $2 == http.server ]]; then\n"
                              "  echo \"$*\" > " + dir + "/served_args\n"
                              "  echo $$ > " + dir + "/server_pid\n  exec sleep 600\nfi\n"
                              "exec /usr/bin/python3 \"$@\"\n");
  // git clone/fetch leaves a checkout whose scripts/package.sh "builds" a
  // package of kBuiltDebContent into --out.
  WriteStub(bin + "/package.sh",
            "echo \"$*\" > " + dir + "/package_args\n"
            "while [[ $# -gt 0 ]]; do [[ $1 == --out ]] && out=$2; shift; done\n"
            "mkdir -p \"$out\"\nprintf '%s' '" + std::string(kBuiltDebContent) +
                "' > \"$out/dmlrun_0.1.0_amd64.deb\"\n");
  WriteStub(bin + "/git", "if [[ $1 == -C ]]; then dest=$2; else dest=${*: -1}; fi\n"
                          "mkdir -p \"$dest/scripts\"\ncp " + bin + "/package.sh \"$dest/scripts/\"\n");
  WriteStub(bin + "/firewall-cmd", "echo \"$*\" >> " + dir + "/firewall_log\n" + stubs.firewall_cmd);
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
  for (const char* path : {"/var/log/dml", "/var/cache/dml", "/var/lib/dml", "/etc/dml", "/opt/dml"}) {
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
  run.dir = dir;
  run.apt_log = ReadFile(dir + "/apt_log");
  run.curl_log = ReadFile(dir + "/curl_log");
  run.served_args = ReadFile(dir + "/served_args");
  run.serve_dir = dir + "/var/cache/dml/serve";
  run.package_args = ReadFile(dir + "/package_args");
  run.firewall_log = ReadFile(dir + "/firewall_log");
  run.curl_args = ReadFile(dir + "/curl_args");
  run.uploaded = ReadFile(dir + "/uploaded");
  run.upload_url = ReadFile(dir + "/upload_url");
  return run;
}

ir::Deployment DebDeployment(bool power_off) {
  DeploymentSpec spec;
  spec.runtime = ir::RuntimeSource::Kind::kDeb;
  spec.url = "https://example.org/dml.deb";
  spec.workers = 3;
  spec.workers_from_param = true;
  spec.power_off = power_off;
  spec.sha256 = Sha256Of(kDebContent);
  return MakeDeployment(spec);
}
}  // namespace dml::emit::boot_run
