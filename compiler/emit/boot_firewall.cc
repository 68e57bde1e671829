#include "compiler/emit/boot_firewall.h"

#include <string_view>

#include "compiler/emit/shell_quote.h"

namespace dml::emit {
namespace {

// firewall-cmd --state: 0 when firewalld runs, 252 (NOT_RUNNING) when it
// does not (or the image has no firewalld daemon); any other status (251:
// RUNNING_BUT_FAILED) leaves it unknown whether the ranks are blocked.
//
// firewalld matches a packet's source address before its interface, so a
// source in the trusted zone is accepted whatever zone the NIC is in (the
// CC images put it in `public`, which allows only SSH). The subnet is the
// stack's own network: the security group still admits only the stack's
// ports to it. `--permanent` keeps it over a reboot (power_off = false).
constexpr std::string_view kOpenFirewall = R"bash(
dml_step 'opening the host firewall (firewalld) to the private subnet'
dml_firewall_cmd() {  # ARGS...: firewall-cmd, failing the node with its answer
  local out
  if ! out=$(firewall-cmd "$@" 2>&1); then
    DML_FAILED_COMMAND="firewall-cmd $* failed: ${out//$'\n'/ }"
    echo "dml: $DML_FAILED_COMMAND" >&2
    exit 1
  fi
}
if ! command -v firewall-cmd >/dev/null; then
  echo "dml: no firewall-cmd on this image: no host firewall to open"
else
  DML_FIREWALL_STATE=0
  DML_FIREWALL_OUT=$(firewall-cmd --state 2>&1) || DML_FIREWALL_STATE=$?
  if ((DML_FIREWALL_STATE == 252)); then
    echo "dml: firewalld is not running: no host firewall to open"
  elif ((DML_FIREWALL_STATE != 0)); then
    DML_FAILED_COMMAND="firewall-cmd --state exited with status $DML_FIREWALL_STATE (${DML_FIREWALL_OUT//$'\n'/ }): cannot tell whether firewalld blocks the other nodes"
    echo "dml: $DML_FAILED_COMMAND" >&2
    exit 1
  else
    dml_firewall_cmd --zone=trusted --add-source="$DML_SUBNET"
    dml_firewall_cmd --permanent --zone=trusted --add-source="$DML_SUBNET"
    echo "dml: firewalld trusts the private subnet $DML_SUBNET (runtime and permanent)"
  fi
fi
)bash";

}  // namespace

std::string FirewallAssignments(const ir::Deployment& deployment) {
  // Lowering writes the CIDR from a parsed net::Cidr (digits, dots, one
  // slash); quoted all the same, and only ever expanded inside one word.
  return "  DML_SUBNET=" + ShellQuote(deployment.network.cidr) + "\n";
}

std::string FirewallSection() { return std::string(kOpenFirewall); }

}  // namespace dml::emit
