// Runs dmlc's command line in process, capturing what it writes.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver/cli.h"

namespace dml::driver::testing {

struct DmlcRun {
  int code;
  std::string out;
  std::string err;
};

inline DmlcRun Dmlc(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace dml::driver::testing
