#include "runtime/launch/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "runtime/launch/output_relay.h"
#include "runtime/launch/signal_watch.h"

namespace dml::launch {
namespace {

using Clock = std::chrono::steady_clock;

// Upper bound on one poll; signals and child exits also wake it early.
constexpr int kPollMillis = 50;

struct Running {
  ChildOutcome outcome;
  bool reaped = false;
  std::unique_ptr<OutputRelay> out;
  std::unique_ptr<OutputRelay> err;
};

class Session {
 public:
  Session(const SupervisorOptions& options) : options_(options) {}

  SupervisorResult Run(const std::vector<ChildSpec>& specs) {
    start_ = Clock::now();
    for (const ChildSpec& spec : specs) {
      if (error_) break;
      Start(spec);
    }
    while (!AllDone()) {
      WaitForEvents();
      PumpOutput();
      Reap();
      CheckSignalsAndDeadline();
      EscalateIfGraceOver();
    }
    for (Running& child : children_) {
      // Anything the child left in its group (a script's helpers) goes too.
      kill(-child.outcome.pid, SIGKILL);
      child.out->Close();
      child.err->Close();
    }
    SupervisorResult result;
    result.ok = !error_ && !stopped_on_request_;
    result.error = error_;
    result.interrupted_by = interrupted_by_;
    result.stopped_on_request = stopped_on_request_ && failures_ == 0;
    for (Running& child : children_) result.children.push_back(child.outcome);
    return result;
  }

 private:
  void Start(const ChildSpec& spec) {
    SpawnedChild spawned = SpawnChild(spec);
    if (!spawned.ok()) {
      Fail(*spawned.error);
      return;
    }
    Running child;
    child.outcome.name = spec.name;
    child.outcome.pid = spawned.pid;
    child.out = std::make_unique<OutputRelay>(spawned.stdout_fd, options_.stdout_fd,
                                              spec.stdout_prefix);
    child.err = std::make_unique<OutputRelay>(spawned.stderr_fd, options_.stderr_fd,
                                              spec.stderr_prefix);
    children_.push_back(std::move(child));
  }

  bool AllDone() const {
    for (const Running& child : children_) {
      if (!child.reaped || child.out->open() || child.err->open()) return false;
    }
    return true;
  }

  void WaitForEvents() {
    std::vector<pollfd> fds;
    fds.push_back({signals_.fd(), POLLIN, 0});
    for (const Running& child : children_) {
      // After a child is reaped its pipes stay open only while something it
      // started still holds them; they are closed at the end instead.
      if (child.reaped) continue;
      if (child.out->open()) fds.push_back({child.out->source_fd(), POLLIN, 0});
      if (child.err->open()) fds.push_back({child.err->source_fd(), POLLIN, 0});
    }
    poll(fds.data(), fds.size(), kPollMillis);
    signals_.Drain();
  }

  void PumpOutput() {
    for (Running& child : children_) {
      child.out->Pump();
      child.err->Pump();
    }
  }

  void Reap() {
    for (size_t index = 0; index < children_.size(); ++index) {
      Running& child = children_[index];
      if (child.reaped) continue;
      int status = 0;
      pid_t pid = waitpid(child.outcome.pid, &status, WNOHANG);
      if (pid != child.outcome.pid) continue;
      child.reaped = true;
      // Output written just before exit is still in the pipe; take it now,
      // then close, since a grandchild could hold the write end open forever.
      child.out->Pump();
      child.err->Pump();
      child.out->Close();
      child.err->Close();
      child.outcome.exited = WIFEXITED(status);
      child.outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
      child.outcome.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      if (child.outcome.exited && child.outcome.exit_code == options_.stop_exit_code) {
        // Stopped on request: its siblings stop at the same step by
        // themselves (they agree on it), so nobody is signalled here.
        stopped_on_request_ = true;
        continue;
      }
      bool failed = !child.outcome.exited || child.outcome.exit_code != 0;
      if (!failed) continue;
      if (!child.outcome.stopped_by_supervisor) ++failures_;
      if (!stopping_) {
        std::string reason = fmt::format("{} (pid {}) {}", child.outcome.name, child.outcome.pid,
                                         child.outcome.Describe());
        if (options_.on_child_failure) options_.on_child_failure(index, reason);
        Fail(base::Error(reason));
      }
    }
  }

  void CheckSignalsAndDeadline() {
    if (stopping_) return;
    if (int signal = signals_.received(); signal != 0) {
      interrupted_by_ = signal;
      Fail(base::Error(fmt::format("stopped by {}", strsignal(signal))));
    } else if (options_.deadline.count() > 0 && Clock::now() - start_ >= options_.deadline) {
      Fail(base::Error(fmt::format("the job exceeded its time limit of {}s", options_.deadline.count() / 1000.0)));
    }
  }

  // Records the first failure and asks every live child to stop.
  void Fail(base::Error reason) {
    if (!error_) error_ = std::move(reason);
    if (stopping_) return;
    stopping_ = true;
    stop_started_ = Clock::now();
    Signal(SIGTERM);
  }

  void EscalateIfGraceOver() {
    if (!stopping_ || killed_ || Clock::now() - stop_started_ < options_.grace_period) return;
    killed_ = true;
    Signal(SIGKILL);
  }

  void Signal(int signal) {
    for (Running& child : children_) {
      if (child.reaped) continue;
      child.outcome.stopped_by_supervisor = true;
      kill(-child.outcome.pid, signal);
      // A stopped (SIGSTOP'd, hung in a debugger) child would hold SIGTERM
      // pending until the grace period ends; let it act on it now.
      if (signal != SIGKILL) kill(-child.outcome.pid, SIGCONT);
    }
  }

  const SupervisorOptions& options_;
  SignalWatch signals_{SignalWatch::Options{options_.forward_signals}};
  std::vector<Running> children_;
  std::optional<base::Error> error_;
  bool stopping_ = false;
  bool killed_ = false;
  int interrupted_by_ = 0;
  bool stopped_on_request_ = false;
  int failures_ = 0;  // children that failed on their own (not stopped by us)
  Clock::time_point start_;
  Clock::time_point stop_started_;
};

}  // namespace

std::string ChildOutcome::Describe() const {
  if (exited) return fmt::format("exited with status {}", exit_code);
  return fmt::format("was killed by signal {} ({})", term_signal, strsignal(term_signal));
}

SupervisorResult Supervise(const std::vector<ChildSpec>& children,
                           const SupervisorOptions& options) {
  Session session(options);
  return session.Run(children);
}

}  // namespace dml::launch
