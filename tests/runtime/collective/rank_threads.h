// Many ranks in one process: each rank a thread with its own Gloo process
// group, all meeting over one in-memory HashStore (as c10d's own tests do).
#pragma once

#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "runtime/dist/torch_compat.h"

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace dml::testing {

// Generous for loaded CI machines, yet a deadlocked test still ends.
inline constexpr std::chrono::seconds kGlooTimeout{60};

using RankBody = std::function<void(int rank, dml::dist::torch_compat::GroupPtr group)>;

inline void RunRanks(int world_size, const RankBody& body) {
  auto store = c10::make_intrusive<c10d::HashStore>();
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world_size; ++rank) {
    threads.emplace_back([&, rank] {
      auto options = c10d::ProcessGroupGloo::Options::create(kGlooTimeout);
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
      body(rank, group);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace dml::testing
