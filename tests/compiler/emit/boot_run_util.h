// Runs a node's boot script in bash, in a sandbox directory, with stand-ins
// for apt-get, curl, dmlrun, python3's http.server, git, dpkg-query,
// firewall-cmd, shutdown and the wait condition's curl command: what the
// node would do and what the stack would be told.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/ir/deployment.h"

namespace dml::emit::boot_run {

// What the stand-in curl downloads as the runtime package, and what the
// stand-in scripts/package.sh of a git checkout builds.
inline constexpr const char* kDebContent = "dml-runtime-stub";
inline constexpr const char* kBuiltDebContent = "dml-built-stub";

struct NodeRun {
  int status = -1;
  std::vector<nlohmann::json> signals;
  std::string dmlrun_args;  // empty if dmlrun never ran
  std::string plan;         // the plan file the node wrote
  bool powered_off = false;
  std::string output;
  std::string dir;           // the sandbox: its files stay for the test to read
  std::string apt_log;       // one line per apt-get call
  std::string curl_log;      // one URL per curl call
  std::string served_args;   // python3 -m http.server's arguments; empty if none ran
  std::string serve_dir;     // what the master serves
  std::string package_args;  // scripts/package.sh's arguments; empty if not run
  std::string firewall_log;  // firewall-cmd's arguments, one call a line
  std::string curl_args;     // every curl call's arguments, one call a line
  std::string uploaded;      // what curl --upload-file sent; empty if nothing
  std::string upload_url;    // where it sent it
};

struct Stubs {
  int apt_status = 0;
  int dmlrun_status = 0;
  std::string node_index;  // empty: the node's real index
  // What a worker's curl finds at the master: this directory's files; with
  // master_answers and no directory, a package of kDebContent and its sha256.
  bool master_answers = true;
  std::string master_dir;
  // A preinstalled dmlrun: what `dmlrun version --json` lists, and whether
  // the image has every package the job needs (dpkg-query).
  std::string plan_versions = "[2]";
  bool image_has_job_packages = true;
  // The body of the stand-in firewall-cmd (bash); by default firewalld is
  // not running. Its calls are logged one a line to firewall_log.
  std::string firewall_cmd = "echo 'not running'\nexit 252\n";
  // What curl fetches from an https URL (others: kDebContent), and a URL
  // whose fetch fails (status 7) with an error that repeats the whole URL.
  std::map<std::string, std::string> https_files;
  std::string unreachable_url;
  // The upload's HTTP status: curl --fail exits 22 and names it, with the URL.
  int upload_http_status = 201;
};

// The sha256 of `text`, in hex.
std::string Sha256Of(const std::string& text);

// A directory as the master serves it: the package and its sha256.
std::string ServedDir(const std::string& name, const std::string& content);

// Runs group `group` of `d` as node `index` of its group, in a sandbox where
// the script's absolute paths point into a temporary directory.
NodeRun RunNode(const ir::Deployment& d, size_t group, int index, const Stubs& stubs,
                const std::string& name);

// The files the stand-in dmlrun writes into its --output directory.
inline constexpr const char* kModelContent = "torchscript-model-stub";

// A deb-runtime deployment of 3 workers (a parameter) whose package is
// kDebContent.
ir::Deployment DebDeployment(bool power_off);

}  // namespace dml::emit::boot_run
