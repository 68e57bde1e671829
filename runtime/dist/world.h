// One call that a rank makes to join the job: rendezvous, then transport.
#pragma once

#include "runtime/dist/torch_compat.h"

#include <optional>
#include <string>

#include "runtime/dist/process_group.h"
#include "runtime/dist/rendezvous.h"

namespace dml::dist {

struct WorldOptions {
  RendezvousOptions rendezvous;  // rank and world size are taken from here
  std::string interface = "lo";
  std::chrono::milliseconds collective_timeout{std::chrono::minutes(5)};
};

struct World {
  c10::intrusive_ptr<c10d::Store> store;
  torch_compat::GroupPtr process_group;
  std::optional<base::Error> error;  // unset iff both are set
  bool ok() const { return !error; }
};

World JoinWorld(const WorldOptions& options);

// Gloo's options for a group of `size` of the world's ranks (the whole world
// or a subgroup), this rank being `rank` in it: the world's interface and
// collective timeout.
ProcessGroupOptions GroupOptions(const WorldOptions& options, int rank, int size);

// c10d logs through glog; its raw lines ("failed to bind...") would repeat our
// own messages, so ranks keep only fatal ones unless DML_VERBOSE is set.
void QuietLibraryLogging();

}  // namespace dml::dist
