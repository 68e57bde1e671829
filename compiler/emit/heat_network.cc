// The private network of a job and the security group of its nodes.
#include "compiler/emit/heat_sections.h"
#include "compiler/emit/hot_yaml.h"

namespace dml::emit::detail {
namespace {

constexpr int kSshPort = 22;
constexpr int kFirstPort = 1;
constexpr int kLastPort = 65535;

void BeginRule(YAML::Emitter& out, const char* protocol, std::optional<int> port_min,
               std::optional<int> port_max) {
  out << YAML::BeginMap;
  out << YAML::Key << "direction" << YAML::Value << "ingress";
  out << YAML::Key << "protocol" << YAML::Value << protocol;
  if (port_min) out << YAML::Key << "port_range_min" << YAML::Value << *port_min;
  if (port_max) out << YAML::Key << "port_range_max" << YAML::Value << *port_max;
}

// From the addresses in `remote` (a CIDR).
void WriteRuleFrom(YAML::Emitter& out, const char* protocol, std::optional<int> port_min,
                   std::optional<int> port_max, const ir::Value& remote) {
  BeginRule(out, protocol, port_min, port_max);
  out << YAML::Key << "remote_ip_prefix" << YAML::Value;
  hot::ValueOf(out, remote);
  out << YAML::EndMap;
}

// From the ports of this security group only: the stack's own nodes. Heat's
// OS::Neutron::SecurityGroup makes a rule with remote_mode remote_group_id
// and no remote_group_id refer to the group itself. Unlike a CIDR, this
// admits no other address, whatever range the subnet has or whatever else
// the cloud routes to it.
void WriteRuleFromGroup(YAML::Emitter& out, const char* protocol, std::optional<int> port_min,
                        std::optional<int> port_max) {
  BeginRule(out, protocol, port_min, port_max);
  out << YAML::Key << "remote_mode" << YAML::Value << "remote_group_id";
  out << YAML::EndMap;
}

void WriteSecurityGroup(YAML::Emitter& out, const ir::Deployment& d) {
  hot::BeginMapAt(out, kSecurityGroup);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::SecurityGroup";
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "description" << YAML::Value;
  hot::Str(out, "dml job " + d.name +
                    ": SSH from the allowed CIDR; rendezvous and Gloo only between the job's own nodes");
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  WriteRuleFrom(out, "tcp", kSshPort, kSshPort, d.network.ssh_from);
  // The TCPStore listens on the plan's port, but Gloo's pairs connect on
  // ephemeral ports: all TCP, from the job's own nodes only.
  WriteRuleFromGroup(out, "tcp", kFirstPort, kLastPort);
  WriteRuleFromGroup(out, "icmp", std::nullopt, std::nullopt);
  out << YAML::EndSeq;
  out << YAML::EndMap << YAML::EndMap;
}

}  // namespace

void WriteNetwork(YAML::Emitter& out, const ir::Deployment& d) {
  const ir::Network& net = d.network;

  hot::BeginMapAt(out, kNet);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::Net";
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "name" << YAML::Value;
  hot::Str(out, ServerName(d.name, "net"));
  out << YAML::EndMap << YAML::EndMap;

  hot::BeginMapAt(out, kSubnet);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::Subnet";
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "network" << YAML::Value;
  hot::GetResource(out, kNet);
  out << YAML::Key << "cidr" << YAML::Value;
  hot::Str(out, net.cidr);
  if (!net.gateway.empty()) {
    out << YAML::Key << "gateway_ip" << YAML::Value;
    hot::Str(out, net.gateway);
  }
  // The DHCP range leaves out the master's fixed IP.
  if (!net.allocation_pools.empty()) {
    out << YAML::Key << "allocation_pools" << YAML::Value << YAML::BeginSeq;
    for (const ir::Network::Pool& pool : net.allocation_pools) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "start" << YAML::Value;
      hot::Str(out, pool.start);
      out << YAML::Key << "end" << YAML::Value;
      hot::Str(out, pool.end);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!net.dns_nameservers.empty()) {
    out << YAML::Key << "dns_nameservers" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& dns : net.dns_nameservers) hot::Str(out, dns);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap << YAML::EndMap;

  hot::BeginMapAt(out, kRouter);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::Router";
  hot::BeginMapAt(out, "properties");
  hot::BeginMapAt(out, "external_gateway_info");
  out << YAML::Key << "network" << YAML::Value;
  hot::ValueOf(out, net.external_network);
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;

  hot::BeginMapAt(out, kRouterInterface);
  out << YAML::Key << "type" << YAML::Value << "OS::Neutron::RouterInterface";
  hot::BeginMapAt(out, "properties");
  out << YAML::Key << "router" << YAML::Value;
  hot::GetResource(out, kRouter);
  out << YAML::Key << "subnet" << YAML::Value;
  hot::GetResource(out, kSubnet);
  out << YAML::EndMap << YAML::EndMap;

  WriteSecurityGroup(out, d);
}

}  // namespace dml::emit::detail
