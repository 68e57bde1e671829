// dmlrun's exit codes, shown in `dmlrun --help`:
//   0  success: every rank finished
//   1  the job failed: a rank exited non-zero or was killed, rendezvous or
//      network set-up failed, the job timed out, or a command job was
//      interrupted
//   2  usage error or bad plan (unreadable, wrong version, invalid field)
//   3  a training job stopped by SIGTERM/SIGINT: every rank stopped after the
//      same step and, when a checkpoint directory is set, saved a checkpoint
//      there (continue it with --resume)
#pragma once

namespace dml::launch {

enum ExitCode : int {
  kExitSuccess = 0,
  kExitJobFailed = 1,
  kExitUsage = 2,
  kExitInterrupted = 3,
};

inline constexpr char kExitCodeHelp[] =
    "Exit codes:\n"
    "  0  success: every rank finished\n"
    "  1  the job failed: a rank exited non-zero or was killed, rendezvous or network\n"
    "     set-up failed, the job timed out, or a command job was interrupted\n"
    "  2  usage error or bad plan (unreadable, wrong version, invalid field)\n"
    "  3  a training job stopped by SIGTERM/SIGINT: all ranks stopped after the same step\n"
    "     and saved a checkpoint if a checkpoint directory is set (continue with --resume)";

}  // namespace dml::launch
