#include "runtime/launch/stop_request.h"

#include <signal.h>
#include <unistd.h>

#include "runtime/launch/exit_codes.h"

namespace dml::launch {
namespace {

// Lock-free, so a signal handler may touch it.
std::atomic<int> g_stop_requested{0};
static_assert(std::atomic<int>::is_always_lock_free);

void OnStopSignal(int) {
  if (g_stop_requested.exchange(1) != 0) {
    constexpr char kMessage[] = "dmlrun: second stop signal: stopping without a checkpoint\n";
    (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    _exit(kExitJobFailed);
  }
}

}  // namespace

const std::atomic<int>* InstallStopRequestHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  return &g_stop_requested;
}

}  // namespace dml::launch
