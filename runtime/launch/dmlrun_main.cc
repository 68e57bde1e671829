// dmlrun: the runtime on every node. See cli.cc for the commands and
// exit_codes.h for what the exit status means.
#include "runtime/launch/cli.h"
#include "runtime/train/process_stats.h"

int main(int argc, char** argv) {
  dml::train::MarkMainEntered();  // start-up measurements (bench/runtime)
  return dml::launch::RunCli(argc, argv);
}
