// The bash boot script (Nova user_data) of one node group: installs the dml
// runtime, writes the launch plan, runs `dmlrun node`, reports the outcome to
// the stack's wait condition and powers the node off.
#pragma once

#include <string>

#include "compiler/ir/deployment.h"

namespace dml::emit {

// Names in a boot script that Heat replaces when it creates the stack. Each
// is marked with plan::kHeatTokenMark ("@@"), which no text from the .dml
// file (escaped wherever it lands) nor any parameter's value (refused by its
// constraint) can hold: no value can spell a token, so Heat replaces only
// what dmlc put there.
struct HeatTokens {
  // str_replace: the wait condition handle's curl_cli (a command line).
  std::string wc_notify = "@@DML_WC_NOTIFY@@";
  // The node's index in its group: str_replace gives 0 on the master; for a
  // worker group it is the ResourceGroup's index_var.
  std::string node_index = "@@DML_NODE_INDEX@@";
};

// The launch plan's path on a node: /etc/dml/<job>.plan.yaml, with "job" in
// place of a job name that is not a plain file name.
std::string NodePlanPath(const std::string& job);

// The script for `group` of `deployment`. `plan_text` is the plan as
// EmbeddedPlanYaml writes it (Heat fills its param tokens in too). Every
// value Heat fills in lands in a quoted here-document, never in shell code,
// and the counts are checked to be whole numbers before any arithmetic. A
// train job whose dataset has digests checks its files before the job runs.
std::string RenderBootScript(const ir::Deployment& deployment,
                             const ir::NodeGroup& group,
                             const std::string& plan_text,
                             const HeatTokens& tokens);

}  // namespace dml::emit
