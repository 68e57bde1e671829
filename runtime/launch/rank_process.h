// One training rank in its own process: `dmlrun rank PLAN ...`, started only
// by the supervisor. It joins the world (dist layer) and runs the trainer.
#pragma once

#include <string>
#include <vector>

#include "runtime/launch/launch_options.h"

namespace dml::launch {

// The hidden subcommand's name and flags; RankCommandLine writes exactly
// what the CLI parses.
inline constexpr char kRankCommand[] = "rank";

// argv for `executable rank ...` carrying every field of `options`.
std::vector<std::string> RankCommandLine(const std::string& executable,
                                         const RankOptions& options);

// Runs the rank; returns an ExitCode. Never throws.
int RunRank(const RankOptions& options);

}  // namespace dml::launch
