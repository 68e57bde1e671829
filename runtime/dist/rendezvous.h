// Rendezvous: every rank meets at a c10d TCPStore hosted by global rank 0.
// This layer only gathers the ranks; the transport (process_group.h) is built
// on the store it returns. Keys live under "dml/" so they never meet Gloo's.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/csrc/distributed/c10d/Store.hpp>

#include "runtime/base/error.h"

namespace dml::dist {

struct RendezvousOptions {
  std::string master_addr;  // where rank 0 hosts the store
  uint16_t port = 29500;
  int rank = 0;
  int world_size = 1;
  // Every rank must have joined within this; a rank that cannot reach the
  // master gives up after it too.
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // Where this rank runs ("node 1, 10.8.1.12"), published so that rank 0 can
  // name the ranks that never joined.
  std::string self_description;
  // Optional, indexed by rank: where each rank is expected to run, for the
  // message about missing ranks when they never registered at all.
  std::vector<std::string> expected_locations;
};

struct RendezvousResult {
  c10::intrusive_ptr<c10d::Store> store;  // non-null iff ok()
  std::optional<base::Error> error;
  bool ok() const { return !error; }
};

// Blocks until every rank has joined, or fails with a message that names the
// master's address and port or the ranks that are missing.
RendezvousResult JoinRendezvous(const RendezvousOptions& options);

// Turns a library exception into one readable line (no backtrace).
std::string DescribeException(const std::exception& error);

}  // namespace dml::dist
