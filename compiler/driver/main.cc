// dmlc: the .dml compiler. See cli.cc for the command line.
#include <exception>
#include <iostream>

#include "compiler/driver/cli.h"
#include "compiler/driver/compile.h"

int main(int argc, char** argv) {
  try {
    return dml::driver::RunCli({argv + 1, argv + argc}, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // User errors are values; reaching here is a defect in dmlc.
    std::cerr << "dmlc: internal error: " << e.what() << "\n";
    return dml::driver::kExitInternal;
  }
}
