// dmlc's command line (CLI11), separate from main() so tests can run it in
// process with their own streams.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace dml::driver {

// `args` excludes the program name. Returns the exit code (compile.h).
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dml::driver
