// Fault injection, a debugging aid for resilience tests: the environment
// variable DML_FAULT_INJECT makes a training rank fail on purpose, for real
// (SIGKILL, SIGSTOP), at a chosen point. Documented in docs/resilience.md.
//
//   DML_FAULT_INJECT="rank=1,crash_at_step=40"
//
// keys (comma-separated key=value):
//   rank=R                 only global rank R (default: every rank)
//   attempt=A              only on restart attempt A (default 0: the first
//                          run, so a restarted job does not fail again)
//   crash_at_step=N        SIGKILL itself after optimizer step N
//   hang_at_step=N         SIGSTOP itself after optimizer step N (a hang)
//   crash_in_checkpoint=K  SIGKILL itself halfway through writing its K-th
//                          checkpoint (rank 0 writes them)
//   step_delay_ms=D        sleep D ms after every step (a slow rank; makes a
//                          tiny job last long enough to act on mid-run)
//   throw_on_thread_at_step=N
//                          after optimizer step N, a thread of its own throws
//                          what c10d's store threads throw when a peer's
//                          connection resets (an uncaught library exception)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "runtime/base/error.h"

namespace dml::launch {

inline constexpr char kFaultInjectEnv[] = "DML_FAULT_INJECT";
// Set by the supervisor on every child: 0 on the first run, k on restart k.
inline constexpr char kRestartAttemptEnv[] = "DML_RESTART_ATTEMPT";
// What torchrun's elastic agent sets for the same purpose (command jobs).
inline constexpr char kTorchRestartCountEnv[] = "TORCHELASTIC_RESTART_COUNT";

struct FaultPlan {
  int rank = -1;  // -1: any
  int attempt = 0;
  int64_t crash_at_step = 0;  // 0: never
  int64_t hang_at_step = 0;
  int crash_in_checkpoint = 0;
  int step_delay_ms = 0;
  int64_t throw_on_thread_at_step = 0;
};

struct FaultParse {
  std::optional<FaultPlan> plan;  // nothing: no fault injection asked for
  std::optional<base::Error> error;  // a malformed value (names the key)
};

FaultParse ParseFaultPlan(const std::string& text);

// The hooks for this rank on this attempt, from the environment; both empty
// when DML_FAULT_INJECT is unset or does not apply here.
struct FaultHooks {
  std::function<void(int64_t optimizer_steps)> after_step;
  std::function<void()> checkpoint_half_written;
  std::optional<base::Error> error;  // DML_FAULT_INJECT is malformed
};

FaultHooks FaultHooksFromEnvironment(int global_rank);

}  // namespace dml::launch
