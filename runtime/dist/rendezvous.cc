#include "runtime/dist/rendezvous.h"

#include <algorithm>
#include <thread>

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "runtime/dist/cidr.h"
#include "runtime/dist/port.h"
#include "runtime/dist/torch_compat.h"

namespace dml::dist {
namespace {

constexpr char kJoinedKey[] = "dml/rendezvous/joined";
constexpr char kVerdictKey[] = "dml/rendezvous/verdict";
constexpr char kVerdictOk[] = "ok";
// How often rank 0 re-reads the join counter while it waits.
constexpr std::chrono::milliseconds kPollInterval{5};
// c10d's client retries a refused connect after about a second and gives up
// at once when less time than that is left; rank 0's connection to its own,
// just-started server must never fail that way, whatever the plan's timeout.
constexpr std::chrono::milliseconds kMinSelfConnectTimeout{3000};

std::string RankKey(int rank) { return fmt::format("dml/rendezvous/rank/{}", rank); }

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

double Seconds(std::chrono::milliseconds duration) { return duration.count() / 1000.0; }

// Rank 0: wait for the join counter to reach the world size; on timeout,
// name every rank whose key is absent.
std::string AwaitAllRanks(c10d::Store& store, const RendezvousOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (store.add(kJoinedKey, 0) < options.world_size) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string missing;
      for (int rank = 0; rank < options.world_size; ++rank) {
        if (store.check({RankKey(rank)})) continue;
        std::string where = rank < static_cast<int>(options.expected_locations.size())
                                ? fmt::format(" ({})", options.expected_locations[rank])
                                : "";
        missing += fmt::format("{}rank {}{}", missing.empty() ? "" : ", ", rank, where);
      }
      return fmt::format("rendezvous timed out after {}s: {} never joined the store at {}:{}",
                         Seconds(options.timeout), missing, options.master_addr, options.port);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return "";
}

c10::intrusive_ptr<c10d::TCPStore> OpenStore(const RendezvousOptions& options) {
  c10d::TCPStoreOptions store_options = torch_compat::StoreOptions();
  store_options.port = options.port;
  store_options.isServer = options.rank == 0;
  store_options.numWorkers = options.world_size;
  // We count arrivals ourselves so that a timeout can name who is missing.
  store_options.waitWorkers = false;
  store_options.timeout = store_options.isServer
                              ? std::max(options.timeout, kMinSelfConnectTimeout)
                              : options.timeout;
  return c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
}

std::string UnreachableMessage(const RendezvousOptions& options) {
  return fmt::format(
      "rank {} could not reach the rendezvous store of rank 0 at {}:{} within {}s "
      "(is node 0 up, and is the port open inside the subnet?)",
      options.rank, options.master_addr, options.port, Seconds(options.timeout));
}

}  // namespace

std::string DescribeException(const std::exception& error) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&error)) {
    return c10_error->what_without_backtrace();
  }
  return error.what();
}

RendezvousResult JoinRendezvous(const RendezvousOptions& options) {
  RendezvousResult result;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  // A hostname (not an IPv4 literal) skips the fast probe; TCPStore resolves it.
  if (options.rank != 0 && ParseIpv4(options.master_addr) &&
      !WaitForListener(options.master_addr, options.port, deadline)) {
    result.error = base::Error(UnreachableMessage(options));
    return result;
  }
  c10::intrusive_ptr<c10d::TCPStore> store;
  try {
    store = OpenStore(options);
  } catch (const std::exception& error) {
    if (options.rank != 0) {
      result.error = base::Error(UnreachableMessage(options));
    } else if (IsPortInUse(options.port)) {
      result.error = base::Error(fmt::format(
          "cannot host the rendezvous store: port {} is already in use on this machine "
          "(another job still running?)",
          options.port));
    } else {
      result.error = base::Error(fmt::format("cannot host the rendezvous store on port {}", options.port))
                         .CausedBy(base::Error(DescribeException(error)));
    }
    return result;
  }

  try {
    store->set(RankKey(options.rank), Bytes(options.self_description));
    store->add(kJoinedKey, 1);
    if (options.rank == 0) {
      std::string missing = AwaitAllRanks(*store, options);
      // Publish the verdict either way so that waiting ranks fail fast too.
      store->set(kVerdictKey, Bytes(missing.empty() ? kVerdictOk : missing));
      if (!missing.empty()) {
        result.error = base::Error(missing);
        return result;
      }
    } else {
      store->wait({kVerdictKey}, options.timeout);
      std::string verdict = Text(store->get(kVerdictKey));
      if (verdict != kVerdictOk) {
        result.error = base::Error(verdict);
        return result;
      }
    }
  } catch (const std::exception& error) {
    result.error = base::Error::AtRank(options.rank,
                                       fmt::format("rendezvous at {}:{} failed (rank 0 gone or timed out after {}s)",
                                                   options.master_addr, options.port, Seconds(options.timeout)))
                       .CausedBy(base::Error(DescribeException(error)));
    return result;
  }
  result.store = store;
  return result;
}

}  // namespace dml::dist
