// What a job runner needs: the loaded plan, the user's options, and the
// nodes whose ranks this machine runs (all of them in local mode).
#pragma once

#include <iostream>
#include <vector>

#include "runtime/launch/launch_options.h"
#include "runtime/plan/plan.h"

namespace dml::launch {

struct JobContext {
  const plan::Plan& plan;
  const LaunchOptions& options;
  std::vector<plan::NodeInfo> nodes_here;

  std::ostream& out() const { return options.out != nullptr ? *options.out : std::cout; }
  std::ostream& err() const { return options.err != nullptr ? *options.err : std::cerr; }
  bool hosts_rank_zero() const { return !nodes_here.empty() && nodes_here[0].node_rank == 0; }
};

}  // namespace dml::launch
