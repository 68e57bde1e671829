#include "runtime/dist/world.h"

#include <cstdlib>

#include "runtime/dist/torch_compat.h"

namespace dml::dist {

World JoinWorld(const WorldOptions& options) {
  World world;
  RendezvousResult rendezvous = JoinRendezvous(options.rendezvous);
  if (!rendezvous.ok()) {
    world.error = rendezvous.error;
    return world;
  }
  ProcessGroupResult group = MakeGlooProcessGroup(
      rendezvous.store, GroupOptions(options, options.rendezvous.rank, options.rendezvous.world_size));
  if (!group.ok()) {
    world.error = group.error;
    return world;
  }
  world.store = rendezvous.store;
  world.process_group = group.process_group;
  return world;
}

ProcessGroupOptions GroupOptions(const WorldOptions& options, int rank, int size) {
  ProcessGroupOptions group;
  group.rank = rank;
  group.world_size = size;
  group.interface = options.interface;
  group.timeout = options.collective_timeout;
  return group;
}

void QuietLibraryLogging() {
  if (std::getenv("DML_VERBOSE") != nullptr) return;
  torch_compat::QuietLogging();
}

}  // namespace dml::dist
