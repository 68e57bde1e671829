#include "compiler/emit/boot_script.h"

#include <cmath>
#include <filesystem>
#include <string_view>
#include <utility>

#include "compiler/emit/boot_install.h"
#include "compiler/emit/shell_quote.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::emit {
namespace {

constexpr std::string_view kPlanTerminator = "DML_PLAN_EOF";
constexpr std::string_view kSumsTerminator = "DML_SHA256_EOF";

// Appends "_2", "_3", ... (inside the trailing "__" of a token) until
// `token` occurs nowhere in `haystack`.
std::string Unique(std::string token, const std::string& haystack) {
  const std::string base = token;
  const bool dunder = base.size() > 2 && base.compare(base.size() - 2, 2, "__") == 0;
  for (int suffix = 2; haystack.find(token) != std::string::npos; ++suffix) {
    token = dunder ? base.substr(0, base.size() - 2) + "_" + std::to_string(suffix) + "__"
                   : base + "_" + std::to_string(suffix);
  }
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

# The wait condition handle's curl command line, filled in by Heat.
dml_wc_notify() {
  @WC_NOTIFY@ "$@"
}

dml_log_tail() {  # FILE
  tail -n "$DML_LOG_TAIL_LINES" "$1" 2>/dev/null || true
}

# Signals the wait condition once: STATUS (SUCCESS or FAILURE), REASON, DATA.
# python3's json module builds the body, so no reason or log line can break
# it; bytes that are not UTF-8 become U+FFFD.
dml_signal() {
  local body
  DML_SIGNALED=1
  if ! body=$(python3 -c '
import json, sys
def text(s, limit):
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")[-limit:]
status, reason, node_id, data = sys.argv[1:5]
print(json.dumps({"status": status, "reason": text(reason, 1000),
                  "id": node_id, "data": text(data, 4000)}))
' "$1" "$2" "$DML_NODE_ID" "$3"); then
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

DML_STEP='computing the node rank'
if [[ ! $DML_NODE_INDEX =~ ^[0-9]+$ ]]; then
  echo "dml: the node index from Heat is not a number: $DML_NODE_INDEX" >&2
  exit 1
fi
NODE_RANK=$((DML_FIRST_NODE_RANK + 10#$DML_NODE_INDEX))
DML_NODE_ID="node-$NODE_RANK"
echo "dml: job $DML_JOB: group $DML_GROUP, node rank $NODE_RANK"

export DEBIAN_FRONTEND=noninteractive
# cloud-init or unattended-upgrades may hold the package lock at first boot.
dml_apt() {
  apt-get -o DPkg::Lock::Timeout=600 -q -y "$@"
}
)bash";

constexpr std::string_view kRun = R"bash(
DML_STEP='running the job'
DML_RUN_LOG="$DML_LOG_DIR/dmlrun.log"
# timeout(1) bounds the job even if dmlrun hangs, so the node always reports.
set +e
timeout --kill-after=60 "$DML_JOB_TIMEOUT_S" \
  dmlrun node "$DML_PLAN_FILE" --node-rank "$NODE_RANK" --workdir /var/lib/dml 2>&1 |
  tee "$DML_RUN_LOG"
DML_STATUS=${PIPESTATUS[0]}
set -e
DML_TAIL=$(dml_log_tail "$DML_RUN_LOG")
if [[ $DML_STATUS == 0 ]]; then
  dml_signal SUCCESS "node $NODE_RANK ($DML_GROUP): job $DML_JOB finished" "$DML_TAIL"
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

// The node rank of the group's first node: 1 (the master) plus the counts of
// the groups before it. A count from a parameter is known only at stack
// create: its token (filled in by str_replace) goes into a bash sum.
std::string FirstRank(const ir::Deployment& d, const ir::NodeGroup& group) {
  int fixed = 0;
  std::string tokens;
  bool found = false;
  for (const ir::NodeGroup& g : d.groups) {
    if (&g == &group) {
      found = true;
      break;
    }
    if (g.count_param.empty()) {
      fixed += g.count;
    } else {
      tokens += " + " + plan::ParamToken(g.count_param);
    }
  }
  if (!found) return std::to_string(group.first_node_rank);
  if (tokens.empty()) return std::to_string(fixed);
  return "$((" + std::to_string(fixed) + tokens + "))";
}

// One line of a `sha256sum --check` list. A path with a backslash or a
// newline is written as sha256sum itself writes it: the line starts with a
// backslash and those two characters are escaped.
std::string SumLine(const std::string& digest, const std::string& path) {
  if (path.find_first_of("\\\n") == std::string::npos) return digest + "  " + path + "\n";
  std::string escaped;
  for (char c : path) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return "\\" + digest + "  " + escaped + "\n";
}

// Every node checks its copy of the dataset before the job starts, so that
// a missing, truncated or different file fails the node with the file's
// name, not hours later with a loader error or, worse, a different result.
std::string DatasetCheck(const ir::Deployment& d) {
  if (!d.dataset_sha256 || !d.plan.train) return "";
  const plan::Dataset& data = d.plan.train->dataset;
  const ir::DatasetDigests& sha = *d.dataset_sha256;
  std::string sums;
  for (const auto& [digest, file] : {std::pair{&sha.train_images, &data.train_images},
                                     std::pair{&sha.train_labels, &data.train_labels},
                                     std::pair{&sha.test_images, &data.test_images},
                                     std::pair{&sha.test_labels, &data.test_labels}}) {
    // As the loader finds the file (runtime/data): the directory, then the name.
    sums += SumLine(*digest, (std::filesystem::path(data.dir) / *file).string());
  }
  const std::string terminator = Unique(std::string(kSumsTerminator), sums);
  return "\nDML_STEP='checking the dataset files'\n"
         "sha256sum --check --strict <<'" + terminator + "'\n" + sums + terminator + "\n";
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

HeatTokens ChooseHeatTokens(const std::string& haystack) {
  HeatTokens tokens;
  tokens.wc_notify = Unique(tokens.wc_notify, haystack);
  tokens.node_index = Unique(tokens.node_index, haystack + tokens.wc_notify);
  return tokens;
}

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
      "# (hence no SC2016), and the node's index within its group from Heat.\n"
      "# shellcheck disable=SC2016\n"
      "{\n";
  script += Assign("DML_JOB", ShellQuote(deployment.name));
  script += Assign("DML_GROUP", ShellQuote(group.name));
  script += Assign("DML_PLAN_FILE", ShellQuote(NodePlanPath(deployment.name)));
  script += Assign("DML_FIRST_NODE_RANK", FirstRank(deployment, group));
  script += Assign("DML_NODE_INDEX", ShellQuote(tokens.node_index));
  script += Assign("DML_JOB_TIMEOUT_S", std::to_string(job_timeout_s));
  script += Assign("DML_POWER_OFF", deployment.power_off ? "1" : "0");
  script += InstallAssignments(deployment, master);
  script += "}\n";

  std::string reporting(kReporting);
  ReplaceAll(reporting, "@WC_NOTIFY@", tokens.wc_notify);
  script += reporting;

  script += InstallSection(deployment, master);
  script += DatasetCheck(deployment);

  // A quoted here-document: the shell expands nothing in the plan. Its
  // terminator is one that no line of the plan can equal.
  std::string plan = plan_text;
  if (plan.empty() || plan.back() != '\n') plan += '\n';
  const std::string terminator = Unique(std::string(kPlanTerminator), plan);
  script += "\nDML_STEP='writing the launch plan'\n";
  script += "mkdir -p /etc/dml\n";
  script += "cat >\"$DML_PLAN_FILE\" <<'" + terminator + "'\n";
  script += plan;
  script += terminator + "\n";

  script += kRun;
  return script;
}

}  // namespace dml::emit
