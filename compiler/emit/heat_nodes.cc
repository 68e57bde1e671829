// The nodes of a job: the master (fixed IP, floating IP), one ResourceGroup
// per worker group, and the wait condition that every node signals.
#include <algorithm>
#include <cmath>

#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/heat_sections.h"
#include "compiler/emit/hot_yaml.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::emit::detail {
namespace {

void WriteDependsOn(YAML::Emitter& out, const std::vector<std::string>& resources) {
  out << YAML::Key << "depends_on" << YAML::Value;
  if (resources.size() == 1) {
    hot::Str(out, resources[0]);
    return;
  }
  out << YAML::Flow << YAML::BeginSeq;
  for (const std::string& r : resources) hot::Str(out, r);
  out << YAML::EndSeq;
}

bool IsBoolean(const ir::Deployment& d, const std::string& param) {
  const ir::HeatParam* p = d.Param(param);
  return p != nullptr && p->type == ir::ParamType::kBoolean;
}

// str_replace writes a boolean parameter as Python does ("True"); yaql's
// str() writes "true", as .dml and the standalone plan do.
void WriteBooleanText(YAML::Emitter& out, const std::string& param) {
  out << YAML::BeginMap;
  hot::BeginMapAt(out, "yaql");
  out << YAML::Key << "expression" << YAML::Value;
  hot::Str(out, "str($.data.value)");
  hot::BeginMapAt(out, "data");
  out << YAML::Key << "value" << YAML::Value;
  hot::GetParam(out, param);
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
}

// user_data: the group's script, with Heat's values put in by str_replace.
void WriteUserData(YAML::Emitter& out, const NodeContext& c, size_t group, bool is_master) {
  out << YAML::Key << "user_data_format" << YAML::Value << "RAW";
  hot::BeginMapAt(out, "user_data");
  hot::BeginMapAt(out, "str_replace");
  out << YAML::Key << "template" << YAML::Value;
  hot::Text(out, c.scripts[group]);  // a block literal unless a plan string forbids it
  hot::BeginMapAt(out, "params");
  out << YAML::Key << c.tokens.wc_notify << YAML::Value;
  hot::GetAttr(out, {kWaitHandle, "curl_cli"});
  // Workers get their index from the ResourceGroup (index_var).
  if (is_master) out << YAML::Key << c.tokens.node_index << YAML::Value << 0;
  for (const std::string& param : c.token_params) {
    out << YAML::Key << plan::HeatParamToken(param) << YAML::Value;
    if (IsBoolean(*c.deployment, param)) {
      WriteBooleanText(out, param);
    } else {
      hot::GetParam(out, param);
    }
  }
  // The upload's URL, on the master only: no worker's user data holds it.
  const ir::Deployment& d = *c.deployment;
  const bool upload_token = is_master && d.upload && !d.upload->param.empty() &&
                            std::find(c.token_params.begin(), c.token_params.end(), d.upload->param) ==
                                c.token_params.end();
  if (upload_token) {
    out << YAML::Key << plan::HeatParamToken(d.upload->param) << YAML::Value;
    hot::GetParam(out, d.upload->param);
  }
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
}

// The server properties that master and workers share.
void WriteServerBasics(YAML::Emitter& out, const ir::Deployment& d, const ir::NodeGroup& g,
                       const std::string& name) {
  out << YAML::Key << "name" << YAML::Value;
  hot::Str(out, name);
  out << YAML::Key << "image" << YAML::Value;
  hot::ValueOf(out, g.image);
  out << YAML::Key << "flavor" << YAML::Value;
  hot::ValueOf(out, g.flavor);
  out << YAML::Key << "key_name" << YAML::Value;
  hot::ValueOf(out, d.key_name);
  // Chameleon's bare-metal sites place a server on a Blazar reservation.
  if (g.reservation) {
    hot::BeginMapAt(out, "scheduler_hints");
    out << YAML::Key << "reservation" << YAML::Value;
    hot::ValueOf(out, *g.reservation);
    out << YAML::EndMap;
  }
}

void WriteMaster(YAML::Emitter& out, const NodeContext& c) {
  const ir::Deployment& d = *c.deployment;
  const ir::NodeGroup& master = d.groups[0];

  hot::BeginMapAt(out, kMasterPort);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::Port";
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "network" << YAML::Value;
  hot::GetResource(out, kNet);
  out << YAML::Key << "fixed_ips" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "subnet" << YAML::Value;
  hot::GetResource(out, kSubnet);
  out << YAML::Key << "ip_address" << YAML::Value;
  hot::Str(out, d.network.master_ip);
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "security_groups" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  hot::GetResource(out, kSecurityGroup);
  out << YAML::EndSeq;
  out << YAML::EndMap << YAML::EndMap;

  // Neutron can only map a floating IP onto a subnet that reaches the router.
  hot::BeginMapAt(out, kMasterFloatingIp);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::FloatingIP";
  WriteDependsOn(out, {kRouterInterface});
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "floating_network" << YAML::Value;
  hot::ValueOf(out, d.network.external_network);
  out << YAML::Key << "port_id" << YAML::Value;
  hot::GetResource(out, kMasterPort);
  out << YAML::EndMap << YAML::EndMap;

  // Nodes install packages as they boot: the router must be in place first.
  hot::BeginMapAt(out, kMaster);
  out << YAML::Key << "type" << YAML::Value << "OS::Nova::Server";
  WriteDependsOn(out, {kRouterInterface});
  hot::BeginMapAt(out, "properties");
  WriteServerBasics(out, d, master, ServerName(d.name, master.name));
  out << YAML::Key << "networks" << YAML::Value << YAML::BeginSeq << YAML::BeginMap
      << YAML::Key << "port" << YAML::Value;
  hot::GetResource(out, kMasterPort);
  out << YAML::EndMap << YAML::EndSeq;
  WriteUserData(out, c, 0, /*is_master=*/true);
  out << YAML::EndMap << YAML::EndMap;
}

void WriteCount(YAML::Emitter& out, const ir::NodeGroup& g) {
  out << YAML::Key << "count" << YAML::Value;
  if (g.count_param.empty()) {
    out << g.count;
  } else {
    hot::GetParam(out, g.count_param);
  }
}

void WriteWorkerGroup(YAML::Emitter& out, const NodeContext& c, size_t index) {
  const ir::Deployment& d = *c.deployment;
  const ir::NodeGroup& g = d.groups[index];
  hot::BeginMapAt(out, c.group_resources[index]);
  out << YAML::Key << "type" << YAML::Value << "OS::Heat::ResourceGroup";
  WriteDependsOn(out, {kRouterInterface});
  hot::BeginMapAt(out, "properties");
  WriteCount(out, g);
  // Our own index variable: the group replaces it everywhere in the
  // member's definition, and the default %index% could occur in user text.
  out << YAML::Key << "index_var" << YAML::Value << c.tokens.node_index;
  hot::BeginMapAt(out, "resource_def");
  out << YAML::Key << "type" << YAML::Value << "OS::Nova::Server";
  hot::BeginMapAt(out, "properties");
  WriteServerBasics(out, d, g, ServerName(d.name, g.name) + "-" + c.tokens.node_index);
  out << YAML::Key << "networks" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "network" << YAML::Value;
  hot::GetResource(out, kNet);
  out << YAML::Key << "subnet" << YAML::Value;
  hot::GetResource(out, kSubnet);
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "security_groups" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  hot::GetResource(out, kSecurityGroup);
  out << YAML::EndSeq;
  WriteUserData(out, c, index, /*is_master=*/false);
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
}

// One signal per node: the master plus every worker. A count that comes from
// a parameter is summed by yaql at stack create.
void WriteWaitCount(YAML::Emitter& out, const ir::Deployment& d) {
  int fixed = 1;  // the master
  std::vector<std::string> params;
  for (size_t i = 1; i < d.groups.size(); ++i) {
    if (d.groups[i].count_param.empty()) {
      fixed += d.groups[i].count;
    } else {
      params.push_back(d.groups[i].count_param);
    }
  }
  out << YAML::Key << "count" << YAML::Value;
  if (params.empty()) {
    out << fixed;
    return;
  }
  std::string expression;
  for (size_t i = 0; i < params.size(); ++i) {
    expression += "$.data.c" + std::to_string(i) + " + ";
  }
  expression += std::to_string(fixed);
  out << YAML::BeginMap;
  hot::BeginMapAt(out, "yaql");
  out << YAML::Key << "expression" << YAML::Value;
  hot::Str(out, expression);
  hot::BeginMapAt(out, "data");
  for (size_t i = 0; i < params.size(); ++i) {
    out << YAML::Key << "c" + std::to_string(i) << YAML::Value;
    hot::GetParam(out, params[i]);
  }
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
}

void WriteWaitCondition(YAML::Emitter& out, const NodeContext& c) {
  const ir::Deployment& d = *c.deployment;
  hot::BeginMapAt(out, kWaitCondition);
  out << YAML::Key << "type" << YAML::Value << "OS::Heat::WaitCondition";
  // The timeout starts once every server exists, not while they are built.
  WriteDependsOn(out, c.group_resources);
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "handle" << YAML::Value;
  hot::GetResource(out, kWaitHandle);
  WriteWaitCount(out, d);
  const long job_s = std::lround(std::ceil(d.plan.timeouts.job_s));
  out << YAML::Key << "timeout" << YAML::Value << job_s + kProvisioningMarginS;
  out << YAML::EndMap << YAML::EndMap;
}

}  // namespace

void WriteNodes(YAML::Emitter& out, const NodeContext& c) {
  hot::BeginMapAt(out, kWaitHandle);
  out << YAML::Key << "type" << YAML::Value << "OS::Heat::WaitConditionHandle";
  out << YAML::EndMap;

  WriteMaster(out, c);
  for (size_t i = 1; i < c.deployment->groups.size(); ++i) WriteWorkerGroup(out, c, i);
  WriteWaitCondition(out, c);
}

}  // namespace dml::emit::detail
