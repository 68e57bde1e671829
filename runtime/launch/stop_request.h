// SIGTERM/SIGINT in a training rank: the first asks for a clean stop (the
// ranks agree on a step, rank 0 writes a checkpoint, every rank exits with
// kExitInterrupted); a second one ends the rank at once.
#pragma once

#include <atomic>

namespace dml::launch {

// Installs the handlers (process-wide) and returns the flag they raise.
const std::atomic<int>* InstallStopRequestHandlers();

}  // namespace dml::launch
