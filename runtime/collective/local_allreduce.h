// The gradient allreduce through shared memory, for jobs whose ranks all run
// on one machine (`dmlrun local`, or one node with several procs). Gloo over
// loopback TCP costs each rank kernel copies of the buffer each way plus
// thread hand-offs (over a millisecond for 318 KB on a 2-vCPU VM); here each
// rank copies its buffer into a shared segment and, after ONE barrier, sums
// all ranks' copies into its own buffer: tens of microseconds. Every rank
// adds in the same order, so all get bitwise the same result. Each rank reads
// every contribution, which suits the few ranks a node runs (kMaxRanks);
// bigger worlds use the process group.
//
// Every call is collective (all ranks, same order). A rank that dies or
// stalls makes the others fail with an error naming it, never hang: waiting
// ranks check the peers' processes and a deadline while they wait.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>
#include <string>

#include "runtime/collective/comm.h"

namespace dml::collective {

class LocalAllreduce {
 public:
  // Collective. Null (keep using the process group) when the ranks are not
  // all on this host, the world has one rank or more than kMaxRanks, or
  // shared memory is unavailable; every rank gets the same answer.
  static std::unique_ptr<LocalAllreduce> Create(Communicator& comm, int64_t count,
                                                std::chrono::milliseconds timeout);
  static constexpr int kMaxRanks = 8;

  ~LocalAllreduce();
  LocalAllreduce(const LocalAllreduce&) = delete;
  LocalAllreduce& operator=(const LocalAllreduce&) = delete;

  // data[0..count) becomes the element-wise sum over ranks, identical on
  // every rank. Throws std::runtime_error if a peer dies or the deadline passes.
  // The call also ORs one flag over the ranks (`vote`; the result is the
  // same on every rank): the training loop's "stop after this step?" rides
  // on the allreduce it needs anyway instead of a separate collective.
  bool SumInPlace(float* data, bool vote = false);

  // The same exchange without the copies, for a caller that can write its
  // contribution in place and consume the sum as it goes (the optimizer's
  // StepSummed): write count floats to ContributionSlot(), then call
  // Exchange (collective). Its parts stay valid until the next Exchange
  // returns, i.e. while this rank does not start the call after next.
  float* ContributionSlot();
  struct Parts {
    const float* const* data;  // world buffers, rank 0's first
    int count;
    bool any_vote;
  };
  Parts Exchange(bool vote = false);

  // The job-wide ranks of this group's ranks, for error messages, when the
  // group is part of a bigger world (a node inside a hierarchical allreduce).
  void NameRanks(std::vector<int> global_ranks);

 private:
  struct Header;
  LocalAllreduce(int rank, int world, int64_t count, std::chrono::milliseconds timeout, void* base, size_t bytes);
  // `reset`: a word the last rank to arrive zeroes before releasing the others.
  void Barrier(std::atomic<uint32_t>* reset = nullptr);
  void CheckPeers(std::chrono::steady_clock::time_point deadline, uint32_t generation) const;
  int Name(int local_rank) const;

  int rank_;
  int world_;
  int64_t count_;
  std::chrono::milliseconds timeout_;
  void* base_;
  size_t bytes_;
  Header* header_;
  float* slots_;    // 2 x world_ x stride_ floats: each rank's contribution, double-buffered
  int64_t stride_;
  int parity_ = 0;  // which half of the slots this call uses
  std::vector<const float*> parts_;  // Exchange's answer: world_ pointers, reused
  bool watch_pids_ = false;  // the peers' pids are visible from here
  std::vector<int> global_ranks_;  // NameRanks; empty: the ranks are the job's
};

// Identifies this machine (ranks with the same value share /dev/shm): the
// kernel's boot id and the host name, hashed.
int64_t HostIdentity();

}  // namespace dml::collective
