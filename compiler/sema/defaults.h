// Defaults that are policy, named in one place (docs/language.md lists them).
#pragma once

#include <string>

namespace dml::sema::defaults {

// How a node gets the runtime when the cluster has no `runtime` block: clone
// this project and build it with Debian's packages, at the exact commit this
// dmlc was built from (RuntimeGitRef), so the node's dmlrun speaks the plan
// this dmlc writes. docs/runtime.md says how a team publishes its own copy.
inline constexpr const char* kRuntimeGitUrl = "https://github.com/dml-project/dml.git";
// The release tag, for a dmlc built from a source that is not a git checkout.
inline constexpr const char* kRuntimeReleaseTag = "v0.1.0";
std::string RuntimeGitRef();
// True when dmlc was built from a work tree with uncommitted changes, which
// the default runtime source (the commit) does not have.
bool SourceHasUncommittedChanges();

// Who may reach the master over SSH when the cluster does not say: anyone
// with the key pair (the prototype's behaviour); a Heat parameter overrides it.
inline constexpr const char* kSshFrom = "0.0.0.0/0";
inline constexpr const char* kDnsServer = "8.8.8.8";

inline constexpr int kStorePort = 29500;  // c10d's customary MASTER_PORT
inline constexpr int kMaxPort = 65535;

inline constexpr double kRendezvousSeconds = 10 * 60;
inline constexpr double kCollectiveSeconds = 5 * 60;
inline constexpr double kJobSeconds = 2 * 60 * 60;
// dmlrun's failure detector: a rank silent this long is dead (docs/resilience.md).
inline constexpr double kHeartbeatSeconds = 5;

// Restarts after a failure: each costs a pause and a reload of the last
// checkpoint, and job_s bounds them all; more than this is a crash loop.
inline constexpr int kMaxRestarts = 100;

inline constexpr const char* kPython = "python3";

}  // namespace dml::sema::defaults
