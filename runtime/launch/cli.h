// dmlrun's command line (CLI11): `node`, `local`, and the hidden `rank`.
#pragma once

namespace dml::launch {

// Parses argv and runs the chosen subcommand; returns an ExitCode.
int RunCli(int argc, char** argv);

}  // namespace dml::launch
