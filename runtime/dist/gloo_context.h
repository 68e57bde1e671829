// A Gloo context of our own for the per-step gradient exchange between
// nodes. c10d's ProcessGroupGloo queues each collective to a worker thread
// and wakes the caller when Gloo's event loop has seen the last byte: three
// thread hand-offs a step, ~0.4 ms for even a 10-float allreduce between two
// namespaces of one VM. Here every pair is synchronous: the calling thread
// sends and blocks in recv itself (with the context's timeout on each read),
// so a 318 KB allreduce costs ~0.12 ms there instead of ~1.2 ms
// (bench/nodes/README.md).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <gloo/context.h>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace dml::dist {

struct GlooContextOptions {
  int rank = 0;
  int size = 1;
  // The network interface Gloo binds to (the one chosen for the plan's
  // subnet); when empty, `hostname` (tests: "127.0.0.1").
  std::string interface;
  std::string hostname;
  // Longest any one read or write may block: a stalled peer fails the
  // collective with a timeout instead of hanging it.
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// Connects the full mesh of `size` participants through `store` (keys as the
// caller prefixed it) and makes every pair synchronous. Collective among the
// participants. Throws std::exception (Gloo's or c10d's) when a peer never
// comes or the interface cannot be used.
//
// Also sets SIGPIPE to be ignored, process-wide: a synchronous pair writes
// with plain send(), and to a peer that died that raises SIGPIPE, whose
// default action kills the process before Gloo can throw EPIPE (and before
// the failure detector can name the dead rank).
std::shared_ptr<gloo::Context> ConnectGlooContext(const c10::intrusive_ptr<c10d::Store>& store,
                                                  const GlooContextOptions& options);

// Contexts among subsets of a job (collective::NetworkFactory's shape):
// each call connects `size` participants under `prefix` in `store`, this
// one being `rank`, with `base`'s interface or host name and timeout.
using GlooContextMaker =
    std::function<std::shared_ptr<gloo::Context>(const std::string& prefix, int rank, int size)>;
GlooContextMaker GlooContextsUnder(c10::intrusive_ptr<c10d::Store> store, GlooContextOptions base);

}  // namespace dml::dist
