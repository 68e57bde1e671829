// Getting a command job's code onto the node: git clone at the plan's ref
// into a work directory; when the repo has a requirements.txt, a virtual
// environment in the checkout (Debian's python refuses `pip install` into the
// system, PEP 668) that still sees the system's packages (python3-torch),
// with the requirements installed into it. Every step is an argv vector (no
// shell), and paths from the plan may not leave the checkout (the plan's
// reader checks them: runtime/plan/field_rules.h).
#pragma once

#include <string>

#include "runtime/plan/plan.h"

namespace dml::launch {

struct CheckoutOptions {
  std::string workdir;  // parent of the checkout; created if missing
  std::string name;     // checkout folder under workdir ("mnist/node0")
};

// The virtual environment's folder inside the checkout (git ignores it).
inline constexpr char kVenvDir[] = ".dml-venv";

struct CheckoutResult {
  std::string repo_dir;  // absolute; set iff ok()
  // The interpreter for *.py entrypoints: the venv's python when requirements
  // were installed, else the plan's command.python.
  std::string python;
  std::string venv_dir;  // absolute; empty when no venv was made
  std::optional<base::Error> error;
  bool ok() const { return !error; }
};

// A fresh clone each run. A folder left by an earlier run (marked by
// dmlrun inside .git) is replaced; any other existing folder is an error,
// so that dmlrun never deletes what it did not create.
CheckoutResult CheckoutRepo(const plan::CommandSpec& command, const CheckoutOptions& options);

}  // namespace dml::launch
