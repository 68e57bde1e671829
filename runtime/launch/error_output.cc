#include "runtime/launch/error_output.h"

#include <unistd.h>

#include <exception>

#include "runtime/dist/rendezvous.h"
#include "runtime/launch/exit_codes.h"

namespace dml::launch {

std::string ErrorLine(const base::Error& error, std::string_view after) {
  std::string line = "dmlrun: error: " + error.Render();
  line += after;
  line += '\n';
  return line;
}

void EndOnUncaughtException() {
  std::string what = "an exception of unknown type";
  if (std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      what = dist::DescribeException(e);
    } catch (...) {
    }
  }
  std::string line = ErrorLine(base::Error("a thread of the runtime's libraries failed: " + what));
  (void)!write(STDERR_FILENO, line.data(), line.size());
  _exit(kExitJobFailed);
}

base::Error AtThisNode(const LaunchOptions& options, base::Error error) {
  if (options.local) return error;
  return base::Error(base::NodeAt{options.node_rank}, "").CausedBy(std::move(error));
}

}  // namespace dml::launch
