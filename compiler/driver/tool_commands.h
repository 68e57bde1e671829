// dmlc's tools around the language: fmt (canonical layout), plan (a
// readable summary of what a build creates) and graph (the stack's
// resources as Graphviz DOT). Each returns the process exit code (compile.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "compiler/driver/compile.h"

namespace dml::driver {

struct FmtOptions {
  std::vector<std::string> files;
  bool in_place = false;  // -i: rewrite changed files (temporary file + rename)
  bool check = false;     // --check: name the files that would change, exit 1 if any
};

// Files with syntax errors are left alone and make the exit code 1.
int Fmt(const FmtOptions& options, std::ostream& out, std::ostream& err);

// Prints the summary of each job of the program.
int Plan(const Options& options, std::ostream& out, std::ostream& err);

// Writes every job's resource graph as DOT to `output` ("" or "-": `out`).
int Graph(const Options& options, const std::string& output, std::ostream& out, std::ostream& err);

}  // namespace dml::driver
