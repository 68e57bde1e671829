// dmlc's Heat back end: a Deployment becomes one OpenStack Heat (HOT)
// template with the private network, security group, master, worker groups,
// boot scripts and the wait condition that reports how the job ended.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "compiler/emit/boot_script.h"
#include "compiler/ir/deployment.h"

namespace dml::emit {

struct HeatOutput {
  std::string template_yaml;  // the HOT template
  // (group name, the bash script as the node runs it, after the emitter's own
  // substitutions): for bash -n and shellcheck. Heat still fills in `tokens`
  // and the plan's param tokens (plan::HeatParamToken: counts and text params).
  std::vector<std::pair<std::string, std::string>> boot_scripts;
  HeatTokens tokens;  // the names Heat replaces in the scripts
};

// Heat template version this emitter writes (Rocky and later accept it).
inline constexpr const char* kHeatTemplateVersion = "2018-08-31";

// Seconds the wait condition allows beyond the job's own time limit: booting,
// installing packages and building dmlrun on the nodes.
inline constexpr int kProvisioningMarginS = 3600;

HeatOutput EmitHeat(const ir::Deployment& deployment);

}  // namespace dml::emit
