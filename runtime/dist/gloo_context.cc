#include "runtime/dist/gloo_context.h"

#include <csignal>

#include <gloo/rendezvous/context.h>
#include <gloo/transport/tcp/device.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

namespace dml::dist {

std::shared_ptr<gloo::Context> ConnectGlooContext(const c10::intrusive_ptr<c10d::Store>& store,
                                                  const GlooContextOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);  // see the header: a dead peer's EPIPE must be an error, not a death
  gloo::transport::tcp::attr attr;
  if (!options.interface.empty()) {
    attr.iface = options.interface;
  } else {
    attr.hostname = options.hostname;
  }
  auto device = gloo::transport::tcp::CreateDevice(attr);
  auto context = std::make_shared<gloo::rendezvous::Context>(options.rank, options.size);
  context->setTimeout(options.timeout);  // before connecting: each pair takes it then
  c10d::ProcessGroupGloo::GlooStore gloo_store(store);
  context->connectFullMesh(gloo_store, device);
  // Synchronous, blocking (no busy polling): on a node whose ranks share its
  // cores a spinning reader would take the core from the peer it waits for.
  for (int peer = 0; peer < options.size; ++peer) {
    if (peer != options.rank) context->getPair(peer)->setSync(/*sync=*/true, /*busyPoll=*/false);
  }
  return context;
}

GlooContextMaker GlooContextsUnder(c10::intrusive_ptr<c10d::Store> store, GlooContextOptions base) {
  return [store = std::move(store), base](const std::string& prefix, int rank, int size) {
    GlooContextOptions options = base;
    options.rank = rank;
    options.size = size;
    return ConnectGlooContext(c10::make_intrusive<c10d::PrefixStore>(prefix, store), options);
  };
}

}  // namespace dml::dist
