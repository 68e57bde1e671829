// The part of a node's boot script that opens the host's own firewall to the
// stack's private subnet. Images with firewalld (Chameleon's CC images on
// bare metal) drop everything but SSH, so ranks could not reach each other;
// the security group (group-based, enforced by Neutron on the port) stays
// the rule that decides who may connect.
#pragma once

#include <string>

#include "compiler/ir/deployment.h"

namespace dml::emit {

// `  NAME=value` lines (for the boot script's block of values) of the shell
// variables that FirewallSection uses: the subnet's CIDR, shell-quoted.
std::string FirewallAssignments(const ir::Deployment& deployment);

// The step: when firewalld runs, its trusted zone gets the subnet as a
// source (runtime and permanent); any failure fails the node, naming the
// command and firewalld's answer. Without firewalld it does nothing.
std::string FirewallSection();

}  // namespace dml::emit
