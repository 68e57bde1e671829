// Failure detection while a job runs. Gloo notices a peer that closed its
// sockets, but a rank that hangs, a node that loses power or a cut network
// leave the others blocked in a collective until collective_s. So every rank
// runs a HealthMonitor: a thread that bumps this rank's heartbeat counter in
// the rendezvous store and watches for a failure:
//   - rank 0 watches every rank's counter; one silent for `silence_limit`
//     (and not marked as having left on purpose) is declared dead;
//   - every rank watches the "failed" key, which anyone who knows of a
//     failure sets: rank 0's monitor, or a node supervisor whose child died
//     (ReportFailure);
//   - a store that stops answering (rank 0's process or node is gone, or the
//     network is cut) is a failure too: its ops time out after silence_limit.
// On a failure the monitor calls on_failure, which normally ends the process:
// the rank must not wait in an allreduce that can never complete.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "runtime/base/error.h"

namespace dml::dist {

inline constexpr std::chrono::milliseconds kDefaultSilenceLimit{5000};
// Beats per silence limit: a few missed beats never look like death.
inline constexpr int kBeatsPerSilenceLimit = 10;

struct HealthOptions {
  std::string master_addr;  // the rendezvous store (rank 0)
  uint16_t port = 0;
  int rank = 0;
  int world_size = 1;
  // Indexed by rank: where it runs ("node 1, workers #0"), for messages.
  std::vector<std::string> rank_locations;
  // A rank silent this long, or a store op unanswered this long, is a failure.
  std::chrono::milliseconds silence_limit = kDefaultSilenceLimit;
  // Called once, from the monitor's thread, with a message naming the failed
  // rank and where it ran. Normally prints and ends the process.
  std::function<void(const std::string& verdict)> on_failure;
};

class HealthMonitor {
 public:
  // Connects its own client to the store (so that a slow or dead store can
  // time out without touching the training's connections) and starts beating.
  // An error (at this rank) when the store cannot be reached.
  static base::Result<std::unique_ptr<HealthMonitor>> Start(const HealthOptions& options);

  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // A clean exit (success, an error every rank agreed on, or a requested
  // stop): marks this rank as leaving on purpose and stops the thread. Rank 0
  // hosts the store, so it first waits (at most silence_limit) until every
  // rank has left, lest their monitors take its exit for a death.
  void Leave();

  // After a collective failed: waits up to `wait` for the monitor to learn
  // which rank failed. on_failure runs as usual; its verdict is returned when
  // on_failure returns (tests), nothing when no failure was found in time.
  std::optional<std::string> AwaitVerdict(std::chrono::milliseconds wait);

 private:
  HealthMonitor(HealthOptions options, c10::intrusive_ptr<c10d::Store> store);
  void Loop();
  std::optional<std::string> Check();
  std::optional<std::string> CheckPeers();
  void Publish(const std::string& verdict);
  std::string Where(int rank) const;
  std::chrono::milliseconds interval() const;

  HealthOptions options_;
  c10::intrusive_ptr<c10d::Store> store_;
  int64_t beats_ = 0;
  // Rank 0: the last counter seen from each rank and when it last changed.
  std::vector<int64_t> last_beat_;
  std::vector<std::chrono::steady_clock::time_point> last_change_;
  std::vector<bool> left_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<std::string> verdict_;
  std::thread thread_;
};

// For node supervisors: records `reason` as the job's failure in the store at
// master_addr:port, so that every rank's monitor stops with it at once. Best
// effort: false when the store cannot be reached within `timeout` (then the
// heartbeats still catch the failure).
bool ReportFailure(const std::string& master_addr, uint16_t port, const std::string& reason,
                   std::chrono::milliseconds timeout);

}  // namespace dml::dist
