// The transport: a c10d ProcessGroupGloo over a rendezvous store, with its
// Gloo device bound to the interface chosen for the plan's subnet.
#pragma once

#include "runtime/dist/torch_compat.h"

#include <chrono>
#include <optional>
#include <string>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include "runtime/base/error.h"

namespace dml::dist {

struct ProcessGroupOptions {
  int rank = 0;
  int world_size = 1;
  std::string interface = "lo";  // from SelectInterface; "lo" in local mode
  // Longest any one collective may take before every rank fails with an error.
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // Gloo's own worker threads; collectives of one small model need few.
  int threads = 2;
};

struct ProcessGroupResult {
  torch_compat::GroupPtr process_group;  // non-null iff ok()
  std::optional<base::Error> error;
  bool ok() const { return !error; }
};

// Connects the full Gloo mesh through `store` (keys under "gloo/").
ProcessGroupResult MakeGlooProcessGroup(const c10::intrusive_ptr<c10d::Store>& store,
                                        const ProcessGroupOptions& options);

}  // namespace dml::dist
