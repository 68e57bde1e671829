#include "runtime/train/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace dml::train {
namespace {

// starttime, in clock ticks since boot, is field 22 of /proc/<pid>/stat.
constexpr int kStatStartTimeField = 22;
constexpr double kKibPerMib = 1024.0;

std::chrono::steady_clock::time_point main_entered{};

}  // namespace

void MarkMainEntered() { main_entered = std::chrono::steady_clock::now(); }

double SecondsSinceMain() {
  if (main_entered == std::chrono::steady_clock::time_point{}) return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - main_entered).count();
}

double UnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double ProcessAgeSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t comm_end = text.rfind(')');  // the command name may hold spaces and ')'
  if (comm_end == std::string::npos) return 0;
  std::istringstream fields(text.substr(comm_end + 1));
  std::string field;
  for (int i = 3; i <= kStatStartTimeField; ++i) {  // fields 1-2 are pid and (comm)
    if (!(fields >> field)) return 0;
  }
  double uptime = 0;
  if (!(std::ifstream("/proc/uptime") >> uptime)) return 0;
  return uptime - std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double PeakRssMegabytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / kKibPerMib;  // Linux reports KiB
}

}  // namespace dml::train
