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
  ProcessGroupOptions group_options;
  group_options.rank = options.rendezvous.rank;
  group_options.world_size = options.rendezvous.world_size;
  group_options.interface = options.interface;
  group_options.timeout = options.collective_timeout;
  ProcessGroupResult group = MakeGlooProcessGroup(rendezvous.store, group_options);
  if (!group.ok()) {
    world.error = group.error;
    return world;
  }
  world.store = rendezvous.store;
  world.process_group = group.process_group;
  return world;
}

void QuietLibraryLogging() {
  if (std::getenv("DML_VERBOSE") != nullptr) return;
  torch_compat::QuietLogging();
}

}  // namespace dml::dist
