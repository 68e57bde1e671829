#include "compiler/emit/boot_script.h"

#include <cmath>
#include <filesystem>
#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/emit/boot_downloads.h"
#include "compiler/emit/boot_firewall.h"
#include "compiler/emit/boot_install.h"
#include "compiler/emit/boot_upload.h"
#include "compiler/emit/boot_values.h"
#include "compiler/emit/shell_quote.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::emit {
namespace {

constexpr std::string_view kPlanTerminator = "DML_PLAN_EOF";
constexpr std::string_view kHeatValuesTerminator = "DML_HEAT_VALUES_EOF";

// A here-document's terminator: `base`, with "_2", "_3", ... appended until
// no line of `body` could end the document.
std::string Unique(const std::string& base, const std::string& body) {
  std::string token = base;
  for (int suffix = 2; body.find(token) != std::string::npos; ++suffix) token = base + "_" + std::to_string(suffix);
  return token;
}

std::string Assign(std::string_view name, std::string_view quoted) {
  return "  " + std::string(name) + "=" + std::string(quoted) + "\n";
}

// Reporting, traps and power-off: everything a node needs so that the stack
// learns how its part ended, whatever happens later in the script.
constexpr std::string_view kReporting = R"bash(
DML_LOG_DIR=/var/log/dml
DML_LOG_TAIL_LINES=20
DML_NODE_ID=node-unknown
NODE_RANK=unknown
DML_STEP='starting'
DML_FAILED_COMMAND=''
DML_SIGNALED=0

mkdir -p "$DML_LOG_DIR"
# Everything the script prints goes to the console log and to boot.log.
exec > >(tee -a "$DML_LOG_DIR/boot.log") 2>&1

# Each step of the boot is named in the console (with its time there) and
# in the reason the node reports if it fails during that step.
dml_step() {
  DML_STEP=$1
  echo "dml: step: $DML_STEP"
}

# The wait condition handle's curl command line, filled in by Heat.
dml_wc_notify() {
  @WC_NOTIFY@ "$@"
}

dml_log_tail() {  # FILE
  tail -n "$DML_LOG_TAIL_LINES" "$1" 2>/dev/null || true
}

# Signals the wait condition once: STATUS (SUCCESS or FAILURE), REASON, DATA,
# and HEAD, a line that leads the data whole (DATA may lose its start).
# python3's json module builds the body, so no reason or log line can break
# it; bytes that are not UTF-8 become U+FFFD.
dml_signal() {
  local body
  DML_SIGNALED=1
  if ! body=$(python3 -c '
import json, sys
def text(s, limit):
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")[-limit:]
status, reason, node_id, data, head = sys.argv[1:6]
head = text(head, 1000) + "\n" if head else ""
print(json.dumps({"status": status, "reason": text(reason, 1000),
                  "id": node_id, "data": head + text(data, 4000 - len(head))}))
' "$1" "$2" "$DML_NODE_ID" "$3" "${4:-}"); then
    body="{\"status\": \"$1\", \"reason\": \"node could not encode its report\", \"id\": \"$DML_NODE_ID\", \"data\": \"\"}"
  fi
  # A lost signal would leave the stack waiting until its timeout: retry.
  dml_wc_notify --silent --show-error --fail --retry 10 --retry-delay 6 \
    --retry-connrefused --max-time 60 --data-binary "$body" >/dev/null ||
    echo "dml: could not signal the wait condition" >&2
}

# Reached through the EXIT trap, which ShellCheck does not follow.
# shellcheck disable=SC2317
dml_power_off() {
  if [[ $DML_POWER_OFF == 1 ]]; then
    echo "dml: job $DML_JOB: node $NODE_RANK is done; powering off"
    sync
    shutdown -h now || systemctl poweroff || true
  fi
}

# Whatever ends the script before the outcome is reported (a failed install,
# a bad index), report a failure, so the stack never waits for this node.
# shellcheck disable=SC2317
dml_on_exit() {
  local status=$?
  trap - EXIT
  set +e
  if [[ $DML_SIGNALED == 0 ]]; then
    dml_signal FAILURE \
      "node $NODE_RANK ($DML_GROUP): boot script failed while $DML_STEP (exit status $status): $DML_FAILED_COMMAND" \
      "$(dml_log_tail "$DML_LOG_DIR/boot.log")"
  fi
  dml_power_off
  exit "$status"
}
set -o errtrace
trap 'DML_FAILED_COMMAND=$BASH_COMMAND' ERR
trap dml_on_exit EXIT

# Fails the node unless VALUE is a whole number: Heat passes a number
# parameter as given (2.0, 1e1), and bash must not do arithmetic on it.
dml_whole_number() {  # WHAT VALUE
  if [[ ! $2 =~ ^[0-9]{1,9}$ ]]; then
    DML_FAILED_COMMAND="$1 is '$2', not a whole number"
    echo "dml: $DML_FAILED_COMMAND" >&2
    exit 1
  fi
}

dml_step 'computing the node rank'
@RANK@
DML_NODE_ID="node-$NODE_RANK"
echo "dml: job $DML_JOB: group $DML_GROUP, node rank $NODE_RANK"

export DEBIAN_FRONTEND=noninteractive
# cloud-init or unattended-upgrades may hold the package lock at first boot.
dml_apt() {
  apt-get -o DPkg::Lock::Timeout=600 -q -y "$@"
}
)bash";

// What the downloads and the upload use: a failure with its reason.
constexpr std::string_view kFailHelpers = R"bash(
# Fails the node: REASON is what the stack is told.
dml_fail() {  # REASON
  DML_FAILED_COMMAND=$1
  echo "dml: $1" >&2
  exit 1
}
)bash";

// The master's, which fetches from URLs that may hold secrets.
constexpr std::string_view kWithoutQuery = R"bash(
# TEXT on one line, with URL's query and fragment (a presigned URL's
# signature) replaced by "?...": what may be shown of an error about URL.
# Called from functions ShellCheck does not follow.
# shellcheck disable=SC2317
dml_without_query() {  # TEXT URL
  local text=$1 rest=${2#"${2%%[?#]*}"}
  if [[ -n $rest ]]; then text=${text//"$rest"/?...}; fi
  printf '%s' "${text//$'\n'/ }"
}
)bash";

constexpr std::string_view kRun = R"bash(
dml_step 'running the job'
DML_RUN_LOG="$DML_LOG_DIR/dmlrun.log"
# timeout(1) bounds the job even if dmlrun hangs, so the node always reports.
set +e
DML_STARTED=$SECONDS
timeout --kill-after=60 "$DML_JOB_TIMEOUT_S" \
  dmlrun node "$DML_PLAN_FILE" --node-rank "$NODE_RANK" --workdir /var/lib/dml \
  --output "$DML_OUTPUT_DIR" 2>&1 |
  tee "$DML_RUN_LOG"
DML_STATUS=${PIPESTATUS[0]}
set -e
DML_TAIL=$(dml_log_tail "$DML_RUN_LOG")
# 124: timeout(1) ended it; 137: a SIGKILL, timeout's own only once the limit
# has passed (otherwise something else killed dmlrun).
if [[ $DML_STATUS == 0 ]]; then@SUCCESS@
elif [[ $DML_STATUS == 137 ]] && ((SECONDS - DML_STARTED < DML_JOB_TIMEOUT_S)); then
  dml_signal FAILURE "node $NODE_RANK ($DML_GROUP): dmlrun was killed (SIGKILL)" "$DML_TAIL"
elif [[ $DML_STATUS == 124 || $DML_STATUS == 137 ]]; then
  dml_signal FAILURE \
    "node $NODE_RANK ($DML_GROUP): job $DML_JOB ran past its limit of $DML_JOB_TIMEOUT_S s" \
    "$DML_TAIL"
else
  dml_signal FAILURE "node $NODE_RANK ($DML_GROUP): dmlrun exited with status $DML_STATUS" \
    "$DML_TAIL"
fi
exit "$DML_STATUS"
)bash";

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Every count parameter of the cluster, in the groups' order: each node
// reads them all from Heat (the plan holds them all too) and checks them.
std::vector<std::string> CountParams(const ir::Deployment& d) {
  std::vector<std::string> params;
  for (const ir::NodeGroup& g : d.groups) {
    if (!g.count_param.empty() && std::find(params.begin(), params.end(), g.count_param) == params.end()) {
      params.push_back(g.count_param);
    }
  }
  return params;
}

std::string CountVariable(const std::string& param) { return "DML_COUNT_" + param; }

// The values Heat fills in, one a line of a quoted here-document: the shell
// expands nothing in it, and no value can hold a line break (Heat passes the
// index and numbers; a number parameter cannot), so none can end it early.
std::string HeatValues(const ir::Deployment& d, const HeatTokens& tokens) {
  std::string reads = "  read -r DML_NODE_INDEX\n";
  std::string lines = tokens.node_index + "\n";
  for (const std::string& param : CountParams(d)) {
    reads += "  read -r " + CountVariable(param) + "\n";
    lines += plan::HeatParamToken(param) + "\n";
  }
  const std::string terminator = Unique(std::string(kHeatValuesTerminator), lines);
  return "\n# Values Heat fills in at stack create: this node's index in its group, then\n"
         "# each count parameter. None reaches shell code unchecked.\n"
         "{\n" + reads + "} <<'" + terminator + "'\n" + lines + terminator + "\n";
}

// The node rank: 1 (the master) plus the counts of the groups before this
// one, plus the node's index; every number from Heat checked first.
std::string RankComputation(const ir::Deployment& d, const ir::NodeGroup& group) {
  std::string out = "dml_whole_number 'the node index from Heat' \"$DML_NODE_INDEX\"\n";
  for (const std::string& param : CountParams(d)) {
    out += "dml_whole_number " + ShellQuote("parameter " + param) + " \"$" + CountVariable(param) + "\"\n";
  }
  int fixed = 0;
  std::string sum;
  for (const ir::NodeGroup& g : d.groups) {
    if (&g == &group) break;
    if (g.count_param.empty()) {
      fixed += g.count;
    } else {
      sum += " + 10#$" + CountVariable(g.count_param);
    }
  }
  return out + "NODE_RANK=$((" + std::to_string(fixed) + sum + " + 10#$DML_NODE_INDEX))";
}

// Fails the node, naming the file, unless FILE's sha256 is DIGEST. Paths
// are shell-quoted arguments: no path can break a list or a here-document.
constexpr std::string_view kCheckSha256 = R"bash(
dml_check_sha256() {  # FILE DIGEST
  local sum
  if ! sum=$(sha256sum <"$1"); then
    DML_FAILED_COMMAND="cannot read the dataset file $1"
    exit 1
  fi
  if [[ ${sum%% *} != "$2" ]]; then
    DML_FAILED_COMMAND="the dataset file $1 has sha256 ${sum%% *}, not $2 as the .dml file says"
    echo "dml: $DML_FAILED_COMMAND" >&2
    exit 1
  fi
  echo "dml: $1: sha256 OK"
}
)bash";

// Every node checks its copy of the dataset before the job starts, so that
// a missing, truncated or different file fails the node with the file's
// name, not hours later with a loader error or, worse, a different result.
std::string DatasetCheck(const ir::Deployment& d) {
  if (!d.dataset_sha256 || !d.plan.train) return "";
  const plan::Dataset& data = d.plan.train->dataset;
  const ir::DatasetDigests& sha = *d.dataset_sha256;
  std::string checks;
  for (const auto& [digest, file] : {std::pair{&sha.train_images, &data.train_images},
                                     std::pair{&sha.train_labels, &data.train_labels},
                                     std::pair{&sha.test_images, &data.test_images},
                                     std::pair{&sha.test_labels, &data.test_labels}}) {
    // As the loader finds the file (runtime/data): the directory, then the name.
    const std::string path = (std::filesystem::path(data.dir) / *file).string();
    checks += "dml_check_sha256 " + ShellQuote(path) + " " + ShellQuote(*digest) + "\n";
  }
  return std::string(kCheckSha256) + "\ndml_step 'checking the dataset files'\n" + checks;
}

bool IsPlainFileName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string NodePlanPath(const std::string& job) {
  return "/etc/dml/" + (IsPlainFileName(job) ? job : std::string("job")) + ".plan.yaml";
}

std::string RenderBootScript(const ir::Deployment& deployment,
                             const ir::NodeGroup& group,
                             const std::string& plan_text,
                             const HeatTokens& tokens) {
  // groups[0] is the master's group, of one node (sema splits a larger one).
  const bool master = &group == &deployment.groups.front();
  const long job_timeout_s = std::lround(std::ceil(deployment.plan.timeouts.job_s));

  std::string script =
      "#!/bin/bash\n"
      "# dml boot script, generated by dmlc: installs the dml runtime, writes the\n"
      "# launch plan, runs this node's part of the job with `dmlrun node`, reports\n"
      "# how it ended to the stack's wait condition, and powers the node off.\n"
      "set -euo pipefail\n"
      "\n"
      "# Values from the .dml file, shell-quoted so that nothing in them expands\n"
      "# (hence no SC2016).\n"
      "# shellcheck disable=SC2016\n"
      "{\n";
  script += Assign("DML_JOB", ShellQuote(deployment.name));
  script += Assign("DML_GROUP", ShellQuote(group.name));
  script += Assign("DML_PLAN_FILE", ShellQuote(NodePlanPath(deployment.name)));
  script += Assign("DML_JOB_TIMEOUT_S", std::to_string(job_timeout_s));
  script += Assign("DML_POWER_OFF", deployment.power_off ? "1" : "0");
  script += Assign("DML_OUTPUT_DIR", ShellQuote(kNodeOutputDir));
  script += FirewallAssignments(deployment);
  script += InstallAssignments(deployment, master);
  script += "}\n";
  script += HeatValues(deployment, tokens);

  std::string reporting(kReporting);
  ReplaceAll(reporting, "@WC_NOTIFY@", tokens.wc_notify);
  ReplaceAll(reporting, "@RANK@", RankComputation(deployment, group));
  script += reporting;

  // Values that may hold stack parameters: downloads, the upload's URL.
  HeatTextValues values;
  const std::string assignments =
      DownloadAssignments(deployment, values) + UploadAssignments(deployment, master, values);
  if (!assignments.empty()) {
    script += std::string(kFailHelpers) + std::string(master ? kWithoutQuery : "") + values.ReadBlock();
    script += "\n# Literals are shell-quoted; DML_P_* are read above.\n"
              "# shellcheck disable=SC2016,SC2154\n{\n" + assignments + "}\n";
  }
  script += UploadSection(deployment, master);

  // Before anything listens or connects: the master serves the runtime
  // package and the downloads to the workers over the private network.
  script += FirewallSection();
  script += InstallSection(deployment, master);
  script += DownloadSection(deployment, master);
  script += DatasetCheck(deployment);

  // A quoted here-document: the shell expands nothing in the plan. Its
  // terminator is one that no line of the plan can equal.
  std::string plan = plan_text;
  if (plan.empty() || plan.back() != '\n') plan += '\n';
  const std::string terminator = Unique(std::string(kPlanTerminator), plan);
  script += "\ndml_step 'writing the launch plan'\n";
  script += "mkdir -p /etc/dml\n";
  script += "cat >\"$DML_PLAN_FILE\" <<'" + terminator + "'\n";
  script += plan;
  script += terminator + "\n";

  std::string run(kRun);
  ReplaceAll(run, "@SUCCESS@", SuccessSignal(deployment, master));
  script += run;
  return script;
}

}  // namespace dml::emit
