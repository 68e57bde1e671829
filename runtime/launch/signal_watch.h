// Turns SIGCHLD, SIGTERM and SIGINT into something a poll loop can wait on
// (the self-pipe trick). Handlers are process-wide, so at most one SignalWatch
// may exist at a time; the previous handlers come back when it is destroyed.
#pragma once

#include <signal.h>

namespace dml::launch {

class SignalWatch {
 public:
  struct Options {
    bool catch_termination = true;  // SIGTERM/SIGINT; SIGCHLD is always watched
  };

  explicit SignalWatch(Options options);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  int fd() const;      // readable when a watched signal arrived
  void Drain();        // empties the pipe after a wake-up
  int received() const;  // first SIGTERM/SIGINT caught, 0 if none

 private:
  struct sigaction old_chld_ {};
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
  bool catch_termination_;
};

}  // namespace dml::launch
