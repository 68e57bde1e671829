#include "runtime/dist/health_monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "runtime/dist/cidr.h"
#include "runtime/dist/port.h"
#include "runtime/dist/rendezvous.h"
#include "runtime/dist/torch_compat.h"

namespace dml::dist {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kFailedKey[] = "dml/health/failed";
constexpr char kFailedClaimsKey[] = "dml/health/failed_claims";
constexpr char kLeftCountKey[] = "dml/health/left_count";
// c10d's client gives up at once when less than about a second is left to
// connect (see rendezvous.cc), so its timeout never goes below this; store
// ops then time out after max(silence_limit, this).
constexpr std::chrono::milliseconds kMinClientTimeout{3000};
// Beats rank 0 lingers after a verdict before on_failure (see Loop).
constexpr int kLingerBeats = 3;
constexpr std::chrono::milliseconds kMinInterval{20};

std::string BeatKey(int rank) { return fmt::format("dml/health/beat/{}", rank); }
std::string LeftKey(int rank) { return fmt::format("dml/health/left/{}", rank); }

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }
double Seconds(std::chrono::milliseconds d) { return d.count() / 1000.0; }

// c10d's messages may carry a second line ("Exception raised from ...").
std::string OneLine(const std::string& text) { return text.substr(0, text.find('\n')); }

c10::intrusive_ptr<c10d::Store> Connect(const std::string& addr, uint16_t port,
                                        std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options = torch_compat::StoreOptions();
  options.port = port;
  options.isServer = false;
  options.waitWorkers = false;
  // Every op of this client, not only connecting, times out after this.
  options.timeout = std::max(timeout, kMinClientTimeout);
  return c10::make_intrusive<c10d::TCPStore>(addr, options);
}

}  // namespace

base::Result<std::unique_ptr<HealthMonitor>> HealthMonitor::Start(const HealthOptions& options) {
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = Connect(options.master_addr, options.port, options.silence_limit);
    store->add(BeatKey(options.rank), 1);  // the first beat, before training starts
  } catch (const std::exception& e) {
    return base::Error::AtRank(options.rank, fmt::format("the failure detector cannot reach the store at {}:{}",
                                                         options.master_addr, options.port))
        .CausedBy(base::Error(DescribeException(e)));
  }
  return std::unique_ptr<HealthMonitor>(new HealthMonitor(options, std::move(store)));
}

HealthMonitor::HealthMonitor(HealthOptions options, c10::intrusive_ptr<c10d::Store> store)
    : options_(std::move(options)), store_(std::move(store)), beats_(1) {
  const auto now = Clock::now();
  last_beat_.assign(options_.world_size, 0);
  last_change_.assign(options_.world_size, now);
  left_.assign(options_.world_size, false);
  thread_ = std::thread([this] { Loop(); });
}

HealthMonitor::~HealthMonitor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::chrono::milliseconds HealthMonitor::interval() const {
  return std::max(kMinInterval, options_.silence_limit / kBeatsPerSilenceLimit);
}

std::string HealthMonitor::Where(int rank) const {
  if (rank >= 0 && rank < static_cast<int>(options_.rank_locations.size())) {
    return fmt::format("rank {} ({})", rank, options_.rank_locations[rank]);
  }
  return fmt::format("rank {}", rank);
}

void HealthMonitor::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval(), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    std::optional<std::string> verdict = Check();
    lock.lock();
    if (!verdict || stop_) continue;
    verdict_ = verdict;
    wake_.notify_all();
    // Rank 0 hosts the store: keep it up a few beats so that the other ranks
    // read the verdict rather than finding the store gone.
    if (options_.rank == 0)
      wake_.wait_for(lock, interval() * kLingerBeats, [this] { return stop_; });
    lock.unlock();
    if (options_.on_failure) options_.on_failure(*verdict);
    lock.lock();
    break;
  }
}

// One round: beat, look for a published failure, and (rank 0) for silent ranks.
std::optional<std::string> HealthMonitor::Check() {
  try {
    store_->add(BeatKey(options_.rank), 1);
    ++beats_;
    if (store_->check({kFailedKey})) return Text(store_->get(kFailedKey));
    if (options_.rank != 0) return std::nullopt;
    std::optional<std::string> dead = CheckPeers();
    if (dead) Publish(*dead);
    return dead;
  } catch (const std::exception& e) {
    if (options_.rank == 0) {
      // Our own store failing means this process is in trouble; say so plainly.
      return fmt::format("the rendezvous store this rank hosts stopped answering: {}",
                         OneLine(DescribeException(e)));
    }
    return fmt::format(
        "lost contact with the rendezvous store of {} at {}:{} ({}): its process or node died, "
        "hung, or the network to it is cut",
        Where(0), options_.master_addr, options_.port, OneLine(DescribeException(e)));
  }
}

std::optional<std::string> HealthMonitor::CheckPeers() {
  const auto now = Clock::now();
  for (int rank = 1; rank < options_.world_size; ++rank) {
    if (left_[rank]) continue;
    int64_t beat = store_->add(BeatKey(rank), 0);
    if (beat != last_beat_[rank]) {
      last_beat_[rank] = beat;
      last_change_[rank] = now;
      continue;
    }
    if (now - last_change_[rank] < options_.silence_limit) continue;
    if (store_->check({LeftKey(rank)})) {
      left_[rank] = true;  // it finished and left on purpose
      continue;
    }
    return fmt::format(
        "{} stopped responding: no heartbeat for {} s (its process or node died, hung, or the "
        "network to it is cut)",
        Where(rank), Seconds(options_.silence_limit));
  }
  return std::nullopt;
}

// The first failure published wins; later ones would only blur the cause.
void HealthMonitor::Publish(const std::string& verdict) {
  if (store_->add(kFailedClaimsKey, 1) == 1) store_->set(kFailedKey, Bytes(verdict));
}

void HealthMonitor::Leave() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (verdict_) return;  // a failure was found: leaving is not clean
  try {
    store_->set(LeftKey(options_.rank), Bytes("left"));
    store_->add(kLeftCountKey, 1);
    if (options_.rank != 0) return;
    const auto deadline = Clock::now() + options_.silence_limit;
    while (store_->add(kLeftCountKey, 0) < options_.world_size && Clock::now() < deadline) {
      std::this_thread::sleep_for(kMinInterval);
    }
  } catch (const std::exception&) {
    // The job is over for this rank either way; the store may already be gone.
  }
}

std::optional<std::string> HealthMonitor::AwaitVerdict(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, wait, [this] { return verdict_.has_value(); });
  return verdict_;
}

bool ReportFailure(const std::string& master_addr, uint16_t port, const std::string& reason,
                   std::chrono::milliseconds timeout) {
  // A quick probe first: when the store is gone (its rank died) the c10d
  // client would retry for seconds while the supervisor has siblings to stop.
  if (ParseIpv4(master_addr) && !WaitForListener(master_addr, port, Clock::now() + timeout)) {
    return false;
  }
  try {
    c10::intrusive_ptr<c10d::Store> store = Connect(master_addr, port, timeout);
    if (store->add(kFailedClaimsKey, 1) == 1) store->set(kFailedKey, Bytes(reason));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace dml::dist
