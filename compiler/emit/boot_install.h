// The part of a node's boot script that brings the dml runtime and the job's
// packages onto the node, once per cluster rather than once per node: the
// master builds (git) or downloads (deb) a Debian package of dmlrun, installs
// it and serves it with its sha256 over the private network; the workers
// fetch it from the master and install it with the run-time libraries it
// depends on (no compiler, no -dev package). A preinstalled runtime is only
// checked: its dmlrun must read the plan's version.
#pragma once

#include <string>

#include "compiler/ir/deployment.h"

namespace dml::emit {

// The TCP port on which the master serves the runtime package to the
// workers (python3 -m http.server, bound to the master's private address;
// the security group allows all TCP within the subnet). The store's port
// when the plan puts the TCPStore there: see RuntimeServePort.
inline constexpr int kRuntimeServePort = 29400;

// True when the master serves files to the workers: the runtime package
// (unless the image has it) or the job's downloads (train.downloads).
bool ServesFiles(const ir::Deployment& deployment);

// kRuntimeServePort, or the next port when the plan's store port is that one.
int RuntimeServePort(const ir::Deployment& deployment);

// Debian packages the job itself needs on every node, whatever the runtime
// source: OpenBLAS and the dataset's package for a train job, git and venv
// for a command job. Space-separated.
std::string JobPackages(const ir::Deployment& deployment);

// `  NAME=value` lines (for the boot script's block of values) of the
// shell variables that InstallSection uses.
std::string InstallAssignments(const ir::Deployment& deployment, bool master);

// The shell steps that install the runtime on the master (`master`) or on a
// worker. Each sets DML_STEP, so a failure names the step.
std::string InstallSection(const ir::Deployment& deployment, bool master);

}  // namespace dml::emit
