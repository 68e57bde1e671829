#include "runtime/collective/local_allreduce.h"

#include <sched.h>

#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <functional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "runtime/collective/accumulate.h"

namespace dml::collective {
namespace {

constexpr size_t kAlign = 64;           // a cache line: no two ranks' data share one
constexpr int kNameBytes = 64;          // the segment's name, broadcast as bytes
constexpr std::chrono::microseconds kSpinBudget{5000};  // then sleep: see Barrier
constexpr std::chrono::microseconds kPureSpin{20};      // then spin yielding the core
constexpr int kSpinsPerClockCheck = 64;
// A sleeping rank wakes at least this often to check its peers and the deadline.
constexpr std::chrono::milliseconds kSleepSlice{10};

int64_t RoundUp(int64_t n, int64_t to) { return (n + to - 1) / to * to; }

void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// True on every rank iff `ok` is true on every rank.
bool AllAgree(Communicator& comm, bool ok) {
  torch::Tensor failures = torch::full({1}, ok ? 0.0 : 1.0, torch::kFloat64);
  comm.AllreduceSum(failures);
  return failures.item<double>() == 0;
}

// False once `pid` has exited, reaped or not (a zombie still answers kill(pid, 0)).
bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // "pid (comm) S ...": the state follows the last ')' (comm may contain one).
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return true;  // unreadable: kill() said it exists
  const char state = text[close + 2];
  return state != 'Z' && state != 'X';
}

// Shared (not process-private) futexes: the ranks are separate processes.
void FutexWait(std::atomic<uint32_t>* word, uint32_t expected, std::chrono::milliseconds timeout) {
  struct timespec ts {};
  ts.tv_sec = timeout.count() / 1000;
  ts.tv_nsec = (timeout.count() % 1000) * 1000000;
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void FutexWakeAll(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

// The kernel's boot id (unique per boot, also inside containers sharing a
// kernel, where /dev/shm may still differ) plus the host name.
int64_t HostIdentity() {
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::stringstream text;
  text << boot.rdbuf();
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return static_cast<int64_t>(std::hash<std::string>{}(text.str() + "/" + host));
}

struct LocalAllreduce::Header {
  alignas(kAlign) std::atomic<uint32_t> arrived;
  alignas(kAlign) std::atomic<uint32_t> generation;  // also the futex word
  alignas(kAlign) std::atomic<uint32_t> sleepers;    // ranks in FutexWait: the last arrival wakes them
  alignas(kAlign) std::atomic<uint32_t> votes[2];    // SumInPlace's flag, double-buffered like the slots
  alignas(kAlign) pid_t pids[kMaxRanks];
  // Each rank's latest barrier generation + 1 once it arrived there: tells a
  // rank that waited too long which peers never came.
  alignas(kAlign) std::atomic<uint32_t> arrivals[kMaxRanks];
};
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t), "futex words are plain 32-bit integers");

std::unique_ptr<LocalAllreduce> LocalAllreduce::Create(Communicator& comm, int64_t count,
                                                       std::chrono::milliseconds timeout) {
  const int world = comm.world_size(), rank = comm.rank();
  if (world < 2 || world > kMaxRanks || count < 1) return nullptr;
  torch::Tensor host = torch::full({1}, HostIdentity(), torch::kInt64);
  comm.Broadcast(host, 0);
  if (!AllAgree(comm, host.item<int64_t>() == HostIdentity())) return nullptr;

  const int64_t stride = RoundUp(count, kAlign / sizeof(float));
  const size_t bytes = RoundUp(sizeof(Header), kAlign) + static_cast<size_t>(2 * world) * stride * sizeof(float);
  // Rank 0 creates the segment under a name unique to this process and call, and broadcasts the name.
  static std::atomic<int> serial{0};
  std::string name = fmt::format("/dml-allreduce-{}-{}", getpid(), serial++);
  torch::Tensor name_bytes = torch::zeros({kNameBytes}, torch::kUInt8);
  bool ok = true;
  int fd = -1;
  if (rank == 0) {
    fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    ok = fd >= 0 && ftruncate(fd, static_cast<off_t>(bytes)) == 0;
    std::memcpy(name_bytes.data_ptr<uint8_t>(), name.data(), std::min<size_t>(name.size(), kNameBytes - 1));
  }
  comm.Broadcast(name_bytes, 0);
  if (rank != 0) {
    name.assign(reinterpret_cast<const char*>(name_bytes.data_ptr<uint8_t>()));
    fd = shm_open(name.c_str(), O_RDWR, 0600);
    ok = fd >= 0;
  }
  void* base = ok ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  if (fd >= 0) close(fd);
  ok = ok && base != MAP_FAILED;
  const bool all_mapped = AllAgree(comm, ok);
  // Everyone has it mapped (or gave up): the name can go, so nothing is left
  // in /dev/shm whatever happens to the job later.
  if (rank == 0) shm_unlink(name.c_str());
  if (!all_mapped) {
    if (base != MAP_FAILED) munmap(base, bytes);
    return nullptr;
  }
  auto reducer = std::unique_ptr<LocalAllreduce>(new LocalAllreduce(rank, world, count, timeout, base, bytes));
  reducer->header_->pids[rank] = getpid();
  comm.Barrier();  // the pids are in place before anyone looks at them
  // Watching peers needs their pids to mean the same here (no separate pid
  // namespaces); otherwise only the deadline (and the launcher's health
  // monitor) catch a dead peer.
  bool visible = true;
  for (int r = 0; r < world; ++r) visible = visible && ProcessAlive(reducer->header_->pids[r]);
  reducer->watch_pids_ = AllAgree(comm, visible);
  return reducer;
}

LocalAllreduce::LocalAllreduce(int rank, int world, int64_t count, std::chrono::milliseconds timeout, void* base,
                               size_t bytes)
    : rank_(rank),
      world_(world),
      count_(count),
      timeout_(timeout),
      base_(base),
      bytes_(bytes),
      header_(static_cast<Header*>(base)),
      stride_(RoundUp(count, kAlign / sizeof(float))) {
  slots_ = reinterpret_cast<float*>(static_cast<char*>(base) + RoundUp(sizeof(Header), kAlign));
  parts_.resize(static_cast<size_t>(world_));  // Exchange's answer, allocated once
}

LocalAllreduce::~LocalAllreduce() { munmap(base_, bytes_); }

void LocalAllreduce::CheckPeers(std::chrono::steady_clock::time_point deadline, uint32_t generation) const {
  for (int r = 0; r < world_; ++r) {
    pid_t pid = header_->pids[r];
    if (watch_pids_ && r != rank_ && pid > 0 && pid != getpid() && !ProcessAlive(pid)) {
      throw std::runtime_error(
          fmt::format("rank {} (process {} on this node) exited during a gradient allreduce", Name(r), pid));
    }
  }
  if (std::chrono::steady_clock::now() > deadline) {
    std::vector<int> missing;
    for (int r = 0; r < world_; ++r) {
      if (header_->arrivals[r].load() != generation + 1) missing.push_back(Name(r));
    }
    const std::string who = missing.empty() ? ""
                            : missing.size() == 1
                                ? fmt::format(" (rank {} never arrived)", missing[0])
                                : fmt::format(" (ranks {} never arrived)", fmt::join(missing, ", "));
    throw std::runtime_error(fmt::format("a gradient allreduce waited more than {} s for the other ranks{}",
                                         timeout_.count() / 1000.0, who));
  }
}

int LocalAllreduce::Name(int local_rank) const {
  return global_ranks_.empty() ? local_rank : global_ranks_[static_cast<size_t>(local_rank)];
}

void LocalAllreduce::NameRanks(std::vector<int> global_ranks) {
  if (static_cast<int>(global_ranks.size()) == world_) global_ranks_ = std::move(global_ranks);
}

// A sense-reversing barrier: the last rank to arrive resets the counter and
// bumps the generation the others wait on. Waiters spin first: ranks in
// lockstep arrive within microseconds of each other, and waking a sleeping
// vCPU costs tens of microseconds on a VM. Past kPureSpin the spinner yields
// its core at every clock check, so a peer queued behind it on the same core
// (more ranks than cores: nodes emulated on one machine, an oversubscribed
// host) runs instead of waiting out a time slice; with a core to itself the
// yield returns at once. A rank that has waited kSpinBudget sleeps on a futex.
void LocalAllreduce::Barrier(std::atomic<uint32_t>* reset) {
  const uint32_t generation = header_->generation.load();
  header_->arrivals[rank_].store(generation + 1, std::memory_order_relaxed);
  if (header_->arrived.fetch_add(1) + 1 == static_cast<uint32_t>(world_)) {
    header_->arrived.store(0);
    if (reset != nullptr) reset->store(0);
    header_->generation.fetch_add(1);  // seq_cst: ordered before the read of sleepers
    if (header_->sleepers.load() > 0) FutexWakeAll(&header_->generation);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout_;
  bool spinning = true;
  for (int spins = 1; header_->generation.load() == generation; ++spins) {
    if (spinning) {
      CpuRelax();
      if (spins % kSpinsPerClockCheck != 0) continue;
      const auto waited = std::chrono::steady_clock::now() - start;
      if (waited > kPureSpin) sched_yield();
      if (waited > kSpinBudget) spinning = false;
      continue;
    }
    header_->sleepers.fetch_add(1);  // seq_cst: visible before the futex re-checks the generation
    FutexWait(&header_->generation, generation, kSleepSlice);
    header_->sleepers.fetch_sub(1);
    CheckPeers(deadline, generation);
  }
}

float* LocalAllreduce::ContributionSlot() {
  return slots_ + (static_cast<int64_t>(parity_) * world_ + rank_) * stride_;
}

LocalAllreduce::Parts LocalAllreduce::Exchange(bool vote) {
  // Calls alternate between two sets of slots (and of vote words). A rank
  // writes a set again two calls later, after the barrier of the call in
  // between, which no rank passes before every rank has finished reading
  // that set: no overwrite races a reader, with a single barrier per call.
  // The same argument lets the last arrival at this call's barrier zero the
  // previous call's vote word, ready for the call after this one.
  const int parity = parity_;
  parity_ ^= 1;
  if (vote) header_->votes[parity].fetch_or(1);
  Barrier(&header_->votes[parity ^ 1]);
  const float* set = slots_ + static_cast<int64_t>(parity) * world_ * stride_;
  for (int r = 0; r < world_; ++r) parts_[r] = set + r * stride_;
  return Parts{parts_.data(), world_, header_->votes[parity].load() != 0};
}

bool LocalAllreduce::SumInPlace(float* data, bool vote) {
  const size_t bytes = static_cast<size_t>(count_) * sizeof(float);
  std::memcpy(ContributionSlot(), data, bytes);
  const Parts parts = Exchange(vote);
  // slot 0 + slot 1 + ... in this order on every rank: identical sums.
  if (rank_ != 0) std::memcpy(data, parts.data[0], bytes);
  for (int r = 1; r < world_; ++r) Accumulate(data, parts.data[r], count_);
  return parts.any_vote;
}

}  // namespace dml::collective
