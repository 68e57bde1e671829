// The parts of a HOT template, written in order by EmitHeat. Internal to
// compiler/emit.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "compiler/emit/boot_script.h"
#include "compiler/ir/deployment.h"

namespace dml::emit::detail {

// Resource names of the template.
inline constexpr const char* kNet = "private_net";
inline constexpr const char* kSubnet = "private_subnet";
inline constexpr const char* kRouter = "router";
inline constexpr const char* kRouterInterface = "router_interface";
inline constexpr const char* kSecurityGroup = "security_group";
inline constexpr const char* kWaitHandle = "wait_handle";
inline constexpr const char* kWaitCondition = "wait_condition";
inline constexpr const char* kMasterPort = "master_port";
inline constexpr const char* kMasterFloatingIp = "master_floating_ip";
inline constexpr const char* kMaster = "master";

// What the node resources need beyond the Deployment.
struct NodeContext {
  const ir::Deployment* deployment = nullptr;
  HeatTokens tokens;
  std::string plan_text;                     // with count-parameter tokens
  std::vector<std::string> scripts;          // per group, as groups
  std::vector<std::string> group_resources;  // per group; [0] is kMaster
  // Params whose tokens the scripts hold (counts, and text params in the
  // plan's strings): user_data's str_replace fills each in.
  std::vector<std::string> token_params;
};

// Heat resource name for each group (index 0: the master server).
std::vector<std::string> GroupResourceNames(const ir::Deployment& deployment);
// A hostname-like server name: "<job>-<group>" in [a-z0-9-].
std::string ServerName(const std::string& job, const std::string& group);

void WriteParameters(YAML::Emitter& out, const ir::Deployment& deployment);
// Network, subnet, router, router interface and security group.
void WriteNetwork(YAML::Emitter& out, const ir::Deployment& deployment);
// Master port, floating IP and server, the worker groups, the wait condition.
void WriteNodes(YAML::Emitter& out, const NodeContext& context);
void WriteOutputs(YAML::Emitter& out, const NodeContext& context);

}  // namespace dml::emit::detail
