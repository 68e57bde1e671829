// dmlrun: the runtime on every node. See cli.cc for the commands and
// exit_codes.h for what the exit status means.
#include <unistd.h>

#include <exception>
#include <string>

#include "runtime/launch/cli.h"
#include "runtime/launch/exit_codes.h"
#include "runtime/train/process_stats.h"

namespace {

// An exception escaping a library's own thread: libtorch 1.13's c10d
// TCPStore client thread throws std::system_error ("Connection reset by
// peer") when a peer process dies while this rank lingers to publish the
// failure verdict (ResilienceFailure.SigstopOfARank...). The job is failing
// then anyway: end it as a failed job, saying what broke, not with SIGABRT.
[[noreturn]] void EndOnLibraryThreadFailure() {
  std::string what = "an unknown exception";
  if (std::exception_ptr error = std::current_exception()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
  }
  const std::string line = "dmlrun: error: a library thread failed: " + what + "\n";
  (void)!write(STDERR_FILENO, line.data(), line.size());
  _exit(dml::launch::kExitJobFailed);
}

}  // namespace

int main(int argc, char** argv) {
  std::set_terminate(EndOnLibraryThreadFailure);
  dml::train::MarkMainEntered();  // start-up measurements (bench/runtime)
  return dml::launch::RunCli(argc, argv);
}
