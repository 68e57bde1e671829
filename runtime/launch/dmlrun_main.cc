// dmlrun: the runtime on every node. See cli.cc for the commands and
// exit_codes.h for what the exit status means.
#include "runtime/launch/cli.h"

int main(int argc, char** argv) { return dml::launch::RunCli(argc, argv); }
