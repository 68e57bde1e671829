// Ranks as threads of one process over one in-memory HashStore, each with its
// world's Gloo group and subgroup and network factories over the same store
// (what rank_process gives a real rank), and a fake node per rank: `node_of[r]`
// becomes rank r's node key.
#pragma once

#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/collective/comm.h"
#include "runtime/dist/gloo_context.h"
#include "runtime/dist/torch_compat.h"

namespace dml::testing {

inline dist::torch_compat::GroupPtr LoopbackGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                  std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

// body(rank, comm, node_key): comm has subgroup and network factories whose
// groups and Gloo contexts time out after `subgroup_timeout` (no subgroup
// factory when `subgroup_factory` is false).
using HierarchyBody = std::function<void(int rank, collective::Communicator& comm, int64_t node_key)>;

inline void RunNodes(const std::vector<int>& node_of, const HierarchyBody& body,
                     std::chrono::milliseconds subgroup_timeout = std::chrono::seconds(60),
                     bool subgroup_factory = true) {
  const int world = static_cast<int>(node_of.size());
  auto store = c10::make_intrusive<c10d::HashStore>();
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank) {
    threads.emplace_back([&, rank] {
      auto world_store = c10::make_intrusive<c10d::PrefixStore>("world", store);
      collective::SubgroupFactory subgroups;
      if (subgroup_factory) {
        subgroups = [&](const std::string& prefix, int r, int size) {
          return LoopbackGroup(c10::make_intrusive<c10d::PrefixStore>(prefix, store), r, size, subgroup_timeout);
        };
      }
      dist::GlooContextOptions loopback;
      loopback.hostname = "127.0.0.1";
      loopback.timeout = subgroup_timeout;
      collective::NetworkFactory networks = dist::GlooContextsUnder(store, loopback);
      collective::Communicator comm(rank, world, LoopbackGroup(world_store, rank, world, std::chrono::seconds(60)),
                                    subgroups, networks);
      body(rank, comm, 1000 + node_of[static_cast<size_t>(rank)]);  // never 0 (= this host)
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace dml::testing
