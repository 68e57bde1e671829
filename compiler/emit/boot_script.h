// The bash boot script (Nova user_data) of one node group: installs the dml
// runtime, writes the launch plan, runs `dmlrun node`, reports the outcome to
// the stack's wait condition and powers the node off.
#pragma once

#include <string>

#include "compiler/ir/deployment.h"

namespace dml::emit {

// Names in a boot script that Heat replaces when it creates the stack. They
// are chosen per template (ChooseHeatTokens) so that none occurs in a value
// from the .dml file or in the plan, where a replacement would corrupt it.
struct HeatTokens {
  // str_replace: the wait condition handle's curl_cli (a command line).
  std::string wc_notify = "__DML_WC_NOTIFY__";
  // The node's index in its group: str_replace gives 0 on the master; for a
  // worker group it is the ResourceGroup's index_var.
  std::string node_index = "__DML_NODE_INDEX__";
};

// Default tokens, each given a numeric suffix while it occurs in `haystack`
// (everything else that the user_data and server names contain).
HeatTokens ChooseHeatTokens(const std::string& haystack);

// The launch plan's path on a node: /etc/dml/<job>.plan.yaml, with "job" in
// place of a job name that is not a plain file name.
std::string NodePlanPath(const std::string& job);

// The script for `group` of `deployment`. `plan_text` is the plan as
// EmbeddedPlanYaml writes it (Heat fills its param tokens in too). A train
// job whose dataset has digests checks its files before the job runs.
std::string RenderBootScript(const ir::Deployment& deployment,
                             const ir::NodeGroup& group,
                             const std::string& plan_text,
                             const HeatTokens& tokens);

}  // namespace dml::emit
