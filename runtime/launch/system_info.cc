#include "runtime/launch/system_info.h"

#include <dlfcn.h>
#include <link.h>
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include <fmt/format.h>

namespace dml::launch {
namespace {
// The name libtorch links against; Debian's alternatives choose its target.
constexpr char kBlasLink[] = "/usr/lib/x86_64-linux-gnu/libblas.so.3";
constexpr char kBlasSoname[] = "libblas.so.3";

// The libblas.so.3 this process actually mapped (LD_LIBRARY_PATH can point
// elsewhere than the alternatives link), resolved to its real file; "" if none.
std::string LoadedBlasPath() {
  std::string found;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* out) {
        const char* name = info->dlpi_name;
        if (name == nullptr || std::strstr(name, kBlasSoname) == nullptr) return 0;
        std::error_code error;
        std::filesystem::path real = std::filesystem::canonical(name, error);
        *static_cast<std::string*>(out) = error ? name : real.string();
        return 1;  // stop: the first match is the one symbols resolve to
      },
      &found);
  return found;
}

// OpenBLAS describes itself: version, build options, the kernel chosen for
// this CPU, and its threading (a pthread build ignores OMP_NUM_THREADS).
std::optional<std::string> DescribeOpenBlas() {
  using TextFn = char* (*)();
  using IntFn = int (*)();
  auto config = reinterpret_cast<TextFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto corename = reinterpret_cast<TextFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto parallel = reinterpret_cast<IntFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  if (config == nullptr) return std::nullopt;
  // openblas_get_parallel: 0 sequential, 1 pthreads, 2 OpenMP.
  const char* threading = "";
  if (parallel != nullptr) {
    int mode = parallel();
    threading = mode == 2 ? ", openmp" : mode == 1 ? ", pthreads" : ", sequential";
  }
  std::string text = std::string(config());
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return fmt::format("{}{}{}", text, threading, corename != nullptr ? fmt::format(", core {}", corename()) : "");
}
}  // namespace

int AvailableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

std::vector<int> AvailableCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

std::vector<std::vector<int>> PinRanks(const std::vector<int>& cpus, int ranks, int threads) {
  std::vector<std::vector<int>> sets;
  if (ranks < 1 || threads < 1 || static_cast<int64_t>(ranks) * threads > static_cast<int64_t>(cpus.size())) {
    return sets;
  }
  for (int r = 0; r < ranks; ++r) sets.emplace_back(cpus.begin() + r * threads, cpus.begin() + (r + 1) * threads);
  return sets;
}

int DefaultThreadsPerRank(int cores, int ranks_here) {
  return std::max(1, cores / std::max(1, ranks_here));
}

ThreadChoice ChooseThreadsPerRank(int requested, int cores, int ranks_here) {
  const int fair = DefaultThreadsPerRank(cores, ranks_here);
  if (requested <= 0) return ThreadChoice{fair, ""};
  if (requested <= fair) return ThreadChoice{requested, ""};
  return ThreadChoice{fair, fmt::format("{} thread(s) per rank asked for, but {} rank(s) share {} core(s) here: "
                                        "using {} so that threads never outnumber cores",
                                        requested, std::max(1, ranks_here), cores, fair)};
}

std::string DescribeBlas() {
  std::string path = LoadedBlasPath();
  if (path.empty()) {
    // Not mapped (yet): report what the alternatives system would give libtorch.
    std::error_code error;
    std::filesystem::path target = std::filesystem::canonical(kBlasLink, error);
    if (error) return "unknown";
    path = target.string();
  }
  if (auto openblas = DescribeOpenBlas()) return *openblas + " [" + path + "]";
  if (path.find("openblas") != std::string::npos) return "OpenBLAS [" + path + "]";
  if (path.find("blis") != std::string::npos) return "BLIS [" + path + "]";
  if (path.find("atlas") != std::string::npos) return "ATLAS [" + path + "]";
  if (path.find("mkl") != std::string::npos) return "MKL [" + path + "]";
  if (path.find("/blas/") != std::string::npos) {
    return "reference BLAS, about 20x slower: install libopenblas0-openmp [" + path + "]";
  }
  return path;
}

}  // namespace dml::launch
