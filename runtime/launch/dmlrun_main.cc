// dmlrun: the runtime on every node. See cli.cc for the commands and
// exit_codes.h for what the exit status means.
#include <exception>

#include "runtime/launch/cli.h"
#include "runtime/launch/error_output.h"
#include "runtime/train/process_stats.h"

int main(int argc, char** argv) {
  // Every dmlrun process, the supervisor too: libtorch 1.13's TCPStore client
  // thread throws "Connection reset by peer" when a peer dies while node 0
  // waits out a failure (ResilienceFailure.SigstopOfARank...).
  std::set_terminate(dml::launch::EndOnUncaughtException);
  dml::train::MarkMainEntered();  // start-up measurements (bench/runtime)
  return dml::launch::RunCli(argc, argv);
}
