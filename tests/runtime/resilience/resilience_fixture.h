// Helpers for the resilience tests: a small learnable IDX dataset, training
// plans over loopback, and dmlrun processes started in the background so a
// test can signal them (and their ranks) mid-run and time how they end.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::resilience {

inline constexpr char kDmlrun[] = DMLRUN_PATH;
inline constexpr int kSide = 28;
inline constexpr int kClasses = 10;

// Plain IDX files (train and test) where an image of label k has row k lit.
void WriteTinyDataset(const std::string& dir, int train_size, int test_size);

// A training plan on 127.0.0.1 with a free port: node 0 runs `master_procs`
// ranks, node 1 `worker_procs` (0: no worker node).
plan::Plan LoopbackPlan(const std::string& data_dir, int master_procs, int worker_procs);

std::string WritePlan(const std::string& dir, const plan::Plan& plan);

// A process started in the background with stdout+stderr in a log file.
class Process {
 public:
  // `env` entries are added to this process's environment.
  Process(const std::vector<std::string>& argv, const std::string& log_path,
          const std::vector<std::pair<std::string, std::string>>& env = {});
  ~Process();  // kills what is left of its process group
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  std::string Log() const;
  // Waits until the log contains `text`; false at the timeout or if the
  // process ended first.
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout);
  // The exit status (or 128 + signal) once it ends, nothing at the timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  void Signal(int signal) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
};

// The pid of the `dmlrun rank` child of `supervisor` with that local rank.
std::optional<pid_t> RankPid(pid_t supervisor, int local_rank);

// Processes still alive whose command line mentions `text` (a plan path):
// after a test nothing of a job may be left.
std::vector<pid_t> ProcessesMentioning(const std::string& text);

}  // namespace dml::resilience
