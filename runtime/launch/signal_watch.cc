#include "runtime/launch/signal_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace dml::launch {
namespace {

// Written only by the handler, read by the loop: sig_atomic_t and a pipe are
// all a handler may touch.
volatile sig_atomic_t g_received = 0;
int g_pipe[2] = {-1, -1};

void OnSignal(int signal) {
  int saved = errno;
  if (signal != SIGCHLD && g_received == 0) g_received = signal;
  char byte = 0;
  (void)!write(g_pipe[1], &byte, 1);
  errno = saved;
}

void Install(int signal, struct sigaction* old) {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signal, &action, old);
}

}  // namespace

SignalWatch::SignalWatch(Options options) : catch_termination_(options.catch_termination) {
  g_received = 0;
  if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
  Install(SIGCHLD, &old_chld_);
  if (catch_termination_) {
    Install(SIGTERM, &old_term_);
    Install(SIGINT, &old_int_);
  }
}

SignalWatch::~SignalWatch() {
  sigaction(SIGCHLD, &old_chld_, nullptr);
  if (catch_termination_) {
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
  }
  for (int& fd : g_pipe) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

int SignalWatch::fd() const { return g_pipe[0]; }

void SignalWatch::Drain() {
  char buffer[64];
  while (g_pipe[0] >= 0 && read(g_pipe[0], buffer, sizeof buffer) > 0) {
  }
}

int SignalWatch::received() const { return g_received; }

}  // namespace dml::launch
