// What the machine offers a job: usable cores and which BLAS libtorch will
// call, so that processes x threads never oversubscribe and the user sees
// why a run is slow (Debian's reference BLAS is ~20x slower than OpenBLAS).
#pragma once

#include <string>
#include <vector>

namespace dml::launch {

// CPUs this process may run on (its affinity mask), at least 1.
int AvailableCores();

// Threads per rank when neither the plan nor --threads says: the cores
// divided among the ranks on this machine, at least 1.
int DefaultThreadsPerRank(int cores, int ranks_here);

// The CPUs this process may run on (sched_getaffinity), in order.
std::vector<int> AvailableCpus();

// CPU sets for `ranks` local ranks of `threads` threads each: rank i gets the
// i-th run of `threads` CPUs of `cpus`. Empty when they do not fit (then
// nothing is pinned). Pinned ranks stay on their own cores: left to the
// scheduler, two ranks woken by each other's futex were seen sharing one
// vCPU while the other idled, halving a 2-rank job's throughput.
std::vector<std::vector<int>> PinRanks(const std::vector<int>& cpus, int ranks, int threads);

// The thread policy: `requested` (from --threads or the plan; 0 = not set)
// capped so that ranks_here x threads never exceeds the cores. Oversubscribed
// OpenMP threads spin-wait on cores another rank needs: on 2 cores, 2 ranks x
// 2 threads run several times slower than 2 x 1. `note` explains a cap.
struct ThreadChoice {
  int threads = 1;
  std::string note;  // empty unless the request was capped
};
ThreadChoice ChooseThreadsPerRank(int requested, int cores, int ranks_here);

// The BLAS libtorch calls, from the libblas.so.3 this process mapped (or,
// before it is mapped, where Debian's alternatives point): OpenBLAS reports
// its version, build, threading and CPU kernel ("OpenBLAS 0.3.21 DYNAMIC_ARCH
// NO_AFFINITY Zen MAX_THREADS=64, openmp, core Zen [/usr/lib/...]"); the
// reference BLAS is named as such with a hint; otherwise the file's path.
std::string DescribeBlas();

}  // namespace dml::launch
