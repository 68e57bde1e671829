// dmlc's pipeline: read -> parse -> analyze (sema) -> emit, with diagnostics
// printed at the end. Each command returns its process exit code.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "compiler/ir/deployment.h"

namespace dml::driver {

// Documented in `dmlc --help`.
enum ExitCode : int {
  kExitOk = 0,
  kExitProgramErrors = 1,  // the .dml program has errors; diagnostics on stderr
  kExitUsage = 2,          // bad command line, or an output file cannot be written
  kExitInternal = 3,       // a defect in dmlc itself
};

enum class DiagnosticFormat { kText, kJson };

struct Options {
  std::string input;                      // the .dml file
  std::vector<std::string> include_dirs;  // -I, searched before the stdlib
  std::string output_dir;                 // build only
  DiagnosticFormat format = DiagnosticFormat::kText;
  // dmlc plan: warn where a job has more nodes than pay off (plan_scaling.h).
  bool scaling_advice = false;
};

// Checks the program; writes nothing.
int Check(const Options& options, std::ostream& out, std::ostream& err);

// Checks, then writes <job>.heat.yaml and <job>.plan.yaml per job into
// `output_dir` (created if needed). Writes nothing when there are errors.
int Build(const Options& options, std::ostream& out, std::ostream& err);

// Checks the program and prints its diagnostics to `err`: the deployments,
// or nothing when it has errors. For commands that show what a build would
// create (dmlc plan, dmlc graph).
std::optional<std::vector<ir::Deployment>> Compile(const Options& options, std::ostream& err);

}  // namespace dml::driver
