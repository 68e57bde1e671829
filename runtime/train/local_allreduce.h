// The gradient allreduce through shared memory, for jobs whose ranks all run
// on one machine (`dmlrun local`, or one node with several procs). Gloo over
// loopback TCP costs each rank two kernel copies of the buffer each way plus
// thread hand-offs, about as long as the step's compute for this model; here
// each rank copies its buffer into a shared segment, sums its 1/world share
// of it, and copies the sum back: a few tens of microseconds for 318 KB.
//
// Every call is collective (all ranks, same order). A rank that dies or
// stalls makes the others fail with an error naming it, never hang: waiting
// ranks check the peers' processes and a deadline while they spin.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/train/comm.h"

namespace dml::train {

class LocalAllreduce {
 public:
  // Collective. Null (keep using the process group) when the ranks are not
  // all on this host, the world has one rank or more than kMaxRanks, or
  // shared memory is unavailable; every rank gets the same answer.
  static std::unique_ptr<LocalAllreduce> Create(Communicator& comm, int64_t count,
                                                std::chrono::milliseconds timeout);
  static constexpr int kMaxRanks = 64;

  ~LocalAllreduce();
  LocalAllreduce(const LocalAllreduce&) = delete;
  LocalAllreduce& operator=(const LocalAllreduce&) = delete;

  // data[0..count) becomes the element-wise sum over ranks, identical on
  // every rank. Throws std::runtime_error if a peer dies or the deadline passes.
  void SumInPlace(float* data);

 private:
  struct Header;
  LocalAllreduce(int rank, int world, int64_t count, std::chrono::milliseconds timeout, void* base, size_t bytes);
  void Barrier();
  void CheckPeers(std::chrono::steady_clock::time_point deadline) const;

  int rank_;
  int world_;
  int64_t count_;
  std::chrono::milliseconds timeout_;
  void* base_;
  size_t bytes_;
  Header* header_;
  float* slots_;   // world_ x stride_ floats: each rank's contribution
  float* result_;  // stride_ floats: the sum
  int64_t stride_;
  bool watch_pids_ = false;  // the peers' pids are visible from here
};

}  // namespace dml::train
